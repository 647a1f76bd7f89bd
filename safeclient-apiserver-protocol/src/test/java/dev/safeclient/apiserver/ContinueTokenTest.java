package dev.safeclient.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The token of apiserver storage/continue.go, byte for byte, and its decode errors. */
class ContinueTokenTest {
  private static String b64(String json) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void encodesAsTheApiserverDoes() {
    String token = ContinueToken.after(42, "ns1/pod-a").encode();
    assertThat(new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8))
        .isEqualTo("{\"v\":\"meta.k8s.io/v1\",\"rv\":42,\"start\":\"ns1/pod-a\\u0000\"}");
    assertThat(token).doesNotContain("=", "+", "/");
    ContinueToken back = ContinueToken.decode(token);
    assertThat(back.resourceVersion()).isEqualTo(42);
    assertThat(back.startKey()).isEqualTo("ns1/pod-a\u0000");
    assertThat(back.afterKey()).isEqualTo("ns1/pod-a");
    assertThat(back.isInconsistent()).isFalse();
    assertThat(back).isEqualTo(ContinueToken.after(42, "ns1/pod-a"));
  }

  @Test
  void readsATokenARealApiserverIssued() {
    // From a kube-apiserver 1.33 pod list with limit=1: start is the key after the prefix.
    ContinueToken t =
        ContinueToken.decode(
            b64("{\"v\":\"meta.k8s.io/v1\",\"rv\":1234,\"start\":\"default/nginx-1\\u0000\"}"));
    assertThat(t.resourceVersion()).isEqualTo(1234);
    assertThat(t.afterKey()).isEqualTo("default/nginx-1");
  }

  @Test
  void theInconsistentContinuationCarriesRvMinusOne() {
    ContinueToken t = ContinueToken.decode(ContinueToken.after(-1, "ns/x").encode());
    assertThat(t.isInconsistent()).isTrue();
    assertThat(t.resourceVersion()).isEqualTo(ContinueToken.INCONSISTENT);
  }

  private static String refusal(String token) {
    StatusException e =
        catchThrowableOfType(StatusException.class, () -> ContinueToken.decode(token));
    assertThat(e.status().code()).isEqualTo(400);
    assertThat(e.status().reason()).isEqualTo("BadRequest");
    return e.status().message();
  }

  @Test
  void aTokenThatIsNotOneIsTheStoresBadRequest() {
    assertThat(refusal(b64("{\"v\":\"v1\",\"rv\":1,\"start\":\"key\"}")))
        .isEqualTo(
            "invalid continue token: continue key is not valid: server does not recognize this"
                + " encoded version v1");
    assertThat(refusal(b64("{\"v\":\"meta.k8s.io/v1\",\"rv\":0,\"start\":\"key\"}")))
        .isEqualTo(
            "invalid continue token: continue key is not valid: incorrect encoded start"
                + " resourceVersion (version meta.k8s.io/v1)");
    assertThat(refusal(b64("{\"v\":\"meta.k8s.io/v1\",\"rv\":1,\"start\":\"\"}")))
        .isEqualTo(
            "invalid continue token: continue key is not valid: encoded start key empty (version"
                + " meta.k8s.io/v1)");
    // Path traversal: the rooted key must already be clean.
    assertThat(refusal(b64("{\"v\":\"meta.k8s.io/v1\",\"rv\":1,\"start\":\"../key\"}")))
        .isEqualTo("invalid continue token: continue key is not valid: ../key");
    assertThat(refusal(b64("{\"v\":\"meta.k8s.io/v1\",\"rv\":1,\"start\":\"key/../..\"}")))
        .startsWith("invalid continue token: continue key is not valid");
    assertThat(refusal("not base64!"))
        .startsWith("invalid continue token: continue key is not valid: illegal base64 data");
    assertThat(refusal(b64("[1,2]")))
        .startsWith("invalid continue token: continue key is not valid");
    // Padded base64 is not RawURLEncoding.
    assertThat(refusal(b64("{\"v\":\"meta.k8s.io/v1\",\"rv\":1,\"start\":\"k\"}") + "=="))
        .startsWith("invalid continue token: continue key is not valid: illegal base64 data");
  }

  @Test
  void theRootKeyIsClean() {
    assertThat(
            ContinueToken.decode(b64("{\"v\":\"meta.k8s.io/v1\",\"rv\":1,\"start\":\"/\"}"))
                .startKey())
        .isEqualTo("/");
  }
}
