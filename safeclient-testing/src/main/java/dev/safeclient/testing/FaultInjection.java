package dev.safeclient.testing;

import static dev.safeclient.testing.StatusAnswers.*;

import com.google.gson.JsonObject;
import dev.safeclient.apiserver.Verb;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/** Answers a request as the fault script says: errors, 429s, timeouts, empty or silent watches. */
final class FaultInjection {
  private final KubeSim sim;
  private final Function<ApiCall, Answer> execute;
  private final Set<Runnable> silent = ConcurrentHashMap.newKeySet();

  FaultInjection(KubeSim sim, Function<ApiCall, Answer> execute) {
    this.sim = sim;
    this.execute = execute;
  }

  /** Returns true if the fault answered (or will answer) the request. */
  boolean inject(ApiCall c, Fault f) {
    switch (f.kind()) {
      case INTERNAL_ERROR:
        c.send(status(500, "InternalError", "Internal error occurred: injected by KubeSim", null));
        return true;
      case STATUS:
        c.send(status(f.code(), f.text(), "injected by KubeSim", null));
        return true;
      case WARNING:
        c.warning = f.text();
        return false;
      case TOO_MANY_REQUESTS:
        sim.statsLive().tooManyRequests("fault");
        c.send(tooManyRequests(f.retryAfterSeconds(), "fault"));
        return true;
      case SERVER_TIMEOUT:
        if (!c.verb.isWrite()) {
          return false;
        }
        if (f.writeApplied()) {
          execute.apply(c); // committed; the client is told it timed out
        }
        JsonObject details = new JsonObject();
        details.addProperty("name", c.name == null ? "" : c.name);
        details.addProperty("kind", c.type.plural());
        details.addProperty("retryAfterSeconds", f.retryAfterSeconds());
        ApiCall.send(
            c.response,
            c.callback,
            status(
                    500,
                    "ServerTimeout",
                    "The "
                        + c.verb.apiName()
                        + " operation against "
                        + c.type.plural()
                        + " could not be completed at this time, please try again.",
                    details)
                .header("Retry-After", Integer.toString(f.retryAfterSeconds())),
            c.stats);
        return true;
      case EMPTY_WATCH:
        if (c.verb != Verb.WATCH) {
          return false;
        }
        sim.statsLive().watchOpened();
        sim.statsLive().watchClosed();
        c.send(new Answer(200, new byte[0]));
        return true;
      case EXPIRED_CONTINUE:
        String token = c.param("continue");
        if (c.verb != Verb.LIST || token == null || token.isEmpty()) {
          return false;
        }
        ContinueToken t;
        try {
          t = ContinueToken.decode(token);
        } catch (IllegalArgumentException e) {
          return false;
        }
        c.send(expiredContinue(t.afterKey));
        return true;
      case SILENT:
        if (c.verb == Verb.WATCH) {
          return false; // opened below, then silenced
        }
        // Half-open: never answered. At close the connection is cut, without a response.
        silent.add(() -> c.request.getConnectionMetaData().getConnection().getEndPoint().close());
        return true;
      case DROP_WATCHES:
      case EXPIRED_WATCH:
        return false; // opened below, then dropped or expired
      default:
        return false;
    }
  }

  /** Cuts every half-open request held by a SILENT fault (at close). */
  void releaseSilent() {
    for (Runnable cut : silent) {
      cut.run();
    }
    silent.clear();
  }
}
