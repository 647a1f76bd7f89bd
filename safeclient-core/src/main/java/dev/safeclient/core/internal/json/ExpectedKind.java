package dev.safeclient.core.internal.json;

import dev.safeclient.core.WrongKindException;
import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.common.KubernetesObject;
import java.lang.reflect.Type;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kind and version a generated model stands for, read from its class name the way the generator
 * writes it ({@code V1Pod}: kind Pod, version v1; {@code V1beta1FlowSchemaList}: FlowSchemaList,
 * v1beta1). Only client-java's generated models are checked: custom types may be named anything.
 */
final class ExpectedKind {
  private static final String MODELS_PACKAGE = "io.kubernetes.client.openapi.models";
  private static final Pattern GENERATED = Pattern.compile("^(V\\d+(?:(?:alpha|beta)\\d+)?)(.+)$");

  private ExpectedKind() {}

  /**
   * Throws when {@code decoded} says it is another kind or version than {@code returnType}. A body
   * without kind or apiVersion is not judged (test servers and some proxies leave them out), nor a
   * {@code Status}, which DELETE may answer for any type and which client-java decodes leniently.
   */
  static void check(
      Type returnType,
      Object decoded,
      String requestLine,
      int code,
      Map<String, List<String>> headers)
      throws WrongKindException {
    if (!(returnType instanceof Class<?> type)
        || !MODELS_PACKAGE.equals(type.getPackageName())
        || !(decoded instanceof KubernetesObject || decoded instanceof KubernetesListObject)) {
      return;
    }
    Matcher m = GENERATED.matcher(type.getSimpleName());
    if (!m.matches()) {
      return;
    }
    String expectedVersion = m.group(1).toLowerCase(Locale.ROOT);
    String expectedKind = m.group(2);
    String kind;
    String apiVersion;
    if (decoded instanceof KubernetesObject o) {
      kind = o.getKind();
      apiVersion = o.getApiVersion();
    } else {
      KubernetesListObject l = (KubernetesListObject) decoded;
      kind = l.getKind();
      apiVersion = l.getApiVersion();
    }
    if (kind == null || kind.isEmpty() || "Status".equals(kind)) {
      return;
    }
    String version =
        apiVersion == null ? null : apiVersion.substring(apiVersion.lastIndexOf('/') + 1);
    if (!kind.equals(expectedKind) || (version != null && !version.equals(expectedVersion))) {
      throw new WrongKindException(
          expectedKind, expectedVersion, kind, apiVersion, requestLine, code, headers);
    }
  }
}
