package dev.safeclient.core;

/**
 * The credentials a client was built with can no longer be had, for instance because the kubeconfig
 * no longer holds the user it was built for. No credential is sent: the request fails before it
 * leaves. The message names the file, the user and the server, never a credential.
 */
public class CredentialsUnavailableException extends SafeClientException {
  public CredentialsUnavailableException(String message) {
    super(message);
  }
}
