package dev.safeclient.model.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import javax.net.ServerSocketFactory;

/**
 * Server sockets whose connections send at once (TCP_NODELAY). MockWebServer writes headers and
 * body separately; with Nagle's algorithm and delayed ACKs each response then waits ~40 ms, which
 * would make hundreds of fault schedules take minutes instead of seconds.
 */
public final class NoDelayServerSockets extends ServerSocketFactory {
  private static ServerSocket noDelay() throws IOException {
    return new ServerSocket() {
      @Override
      public Socket accept() throws IOException {
        Socket s = super.accept();
        s.setTcpNoDelay(true);
        return s;
      }
    };
  }

  @Override
  public ServerSocket createServerSocket() throws IOException {
    return noDelay();
  }

  @Override
  public ServerSocket createServerSocket(int port) throws IOException {
    ServerSocket s = noDelay();
    s.bind(new java.net.InetSocketAddress(port));
    return s;
  }

  @Override
  public ServerSocket createServerSocket(int port, int backlog) throws IOException {
    ServerSocket s = noDelay();
    s.bind(new java.net.InetSocketAddress(port), backlog);
    return s;
  }

  @Override
  public ServerSocket createServerSocket(int port, int backlog, InetAddress address)
      throws IOException {
    ServerSocket s = noDelay();
    s.bind(new java.net.InetSocketAddress(address, port), backlog);
    return s;
  }
}
