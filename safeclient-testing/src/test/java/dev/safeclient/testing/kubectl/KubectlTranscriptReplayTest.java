package dev.safeclient.testing.kubectl;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonSyntaxException;
import dev.safeclient.testing.KubeSim;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.junit.jupiter.api.Test;

/**
 * Replays kubectl 1.34's own requests, recorded with {@code -v=9} against a real kube-apiserver
 * 1.34.2 ({@code realserver/record-kubectl.sh}, see the transcripts' PROVENANCE.md), against a
 * KubeSim 1.34, and compares each answer with the real one: the status code, the Content-Type, and
 * the JSON body with uid, resourceVersion and timestamps left out.
 *
 * <p>The differences KubeSim knowingly has are listed in {@link #KNOWN}, each with its reason. The
 * test fails when the differences found are not exactly those: a new one is a regression, and one
 * that went away means the list (and benchmarks/results/kubesim.md) must be brought up to date.
 */
class KubectlTranscriptReplayTest {
  private static final Path TRANSCRIPTS = transcripts("/kubectl-transcripts/v1.34");

  /** step#index of the exchange, to why KubeSim answers differently. */
  static final Map<String, String> KNOWN = new TreeMap<>();

  static {
    String subset = "discovery: KubeSim serves a subset of the built-in resources (README)";
    String openApi = "no OpenAPI: KubeSim answers 404 as a server without it; kubectl falls back";
    String table = "no Table: KubeSim answers the list itself; kubectl prints from it (README)";
    KNOWN.put("01-apply-create#0", subset);
    KNOWN.put("02-apply-update#1", openApi);
    KNOWN.put("02-apply-update#2", openApi);
    KNOWN.put("03-apply-strict#0", openApi);
    KNOWN.put("03-apply-strict#1", openApi);
    KNOWN.put("05-get-po#0", table);
    KNOWN.put("10-get-w#0", table);
  }

  /**
   * Fields a real apiserver fills in that KubeSim knowingly does not: managedFields (the field
   * manager) and the defaults of k8s.io/kubernetes pkg/apis/apps/v1 and core/v1 defaults.go ({@code
   * SetDefaults_Deployment}, {@code SetDefaults_PodSpec}, {@code SetDefaults_Container}, {@code
   * SetDefaults_ContainerPort}), plus an empty {@code status: {}}. KubeSim's answer may lack them;
   * any other field it lacks, adds or changes is a difference.
   */
  static final java.util.Set<String> SERVER_FILLED =
      java.util.Set.of(
          "managedFields",
          "strategy",
          "revisionHistoryLimit",
          "progressDeadlineSeconds",
          "restartPolicy",
          "terminationGracePeriodSeconds",
          "dnsPolicy",
          "securityContext",
          "schedulerName",
          "terminationMessagePath",
          "terminationMessagePolicy",
          "imagePullPolicy",
          "resources",
          "protocol");

  private static final Gson GSON = new GsonBuilder().serializeNulls().create();
  private static final Pattern RV_PARAM = Pattern.compile("resourceVersion=(\\d+)");
  private static final OkHttpClient HTTP =
      new OkHttpClient.Builder().readTimeout(10, TimeUnit.SECONDS).build();

  /** Recorded resourceVersion to KubeSim's, learnt from answers compared so far. */
  private final Map<String, String> resourceVersions = new HashMap<>();

  @Test
  void kubectlsRequestsGetTheRealServersAnswersExceptTheListedDifferences() throws IOException {
    List<String> differences = new ArrayList<>();
    try (KubeSim sim = KubeSim.builder().serverVersion("1.34").build()) {
      for (KubectlTranscript transcript : transcripts()) {
        for (KubectlTranscript.Exchange recorded : transcript.exchanges()) {
          String difference = replay(sim, recorded);
          if (difference != null) {
            differences.add(
                transcript.step() + "#" + recorded.index() + " " + recorded + ": " + difference);
          }
        }
      }
    }
    List<String> unexplained = new ArrayList<>();
    List<String> found = new ArrayList<>();
    for (String d : differences) {
      String key = d.substring(0, d.indexOf(' '));
      found.add(key);
      if (!KNOWN.containsKey(key)) {
        unexplained.add(d);
      }
    }
    assertThat(unexplained).as("differences from the real apiserver not listed in KNOWN").isEmpty();
    assertThat(KNOWN.keySet())
        .as("listed differences that no longer occur: update KNOWN and kubesim.md")
        .containsExactlyInAnyOrderElementsOf(found);
  }

  @Test
  void theTranscriptsHoldEveryStepAndNoCredential() throws IOException {
    List<KubectlTranscript> all = transcripts();
    assertThat(all).extracting(KubectlTranscript::step).contains("01-apply-create", "10-get-w");
    assertThat(all.stream().mapToInt(t -> t.exchanges().size()).sum()).isGreaterThan(15);
    for (KubectlTranscript t : all) {
      for (KubectlTranscript.Exchange e : t.exchanges()) {
        assertThat(e.requestHeaders().getOrDefault("Authorization", "Bearer <masked>"))
            .isEqualTo("Bearer <masked>");
      }
    }
  }

  private String replay(KubeSim sim, KubectlTranscript.Exchange recorded) throws IOException {
    Request.Builder request =
        new Request.Builder().url(sim.url() + mapResourceVersions(recorded.pathAndQuery()));
    recorded
        .requestHeaders()
        .forEach(
            (k, v) -> {
              if (!k.equals("Authorization")) {
                request.header(k, v);
              }
            });
    RequestBody body = null;
    if (!recorded.method().equals("GET") && !recorded.method().equals("DELETE")
        || recorded.requestBody() != null && !recorded.requestBody().isEmpty()) {
      String type = recorded.requestHeaders().getOrDefault("Content-Type", "application/json");
      body =
          RequestBody.create(
              Objects.requireNonNullElse(recorded.requestBody(), ""), MediaType.get(type));
    }
    request.method(recorded.method(), body);
    try (Response response = HTTP.newCall(request.build()).execute()) {
      List<String> diffs = new ArrayList<>();
      if (response.code() != recorded.status()) {
        diffs.add("status " + response.code() + ", real " + recorded.status());
      }
      String realType = mediaType(recorded.responseHeaders().get("Content-Type"));
      String simType = mediaType(response.header("Content-Type"));
      if (!Objects.equals(realType, simType)) {
        diffs.add("Content-Type " + simType + ", real " + realType);
      }
      if (!recorded.isWatch() && !recorded.responseBodyTruncated()) {
        ResponseBody rb = response.body();
        String simBody = rb == null ? "" : rb.string();
        String bodyDiff = compareBodies(recorded.responseBody(), simBody);
        if (bodyDiff != null) {
          diffs.add(bodyDiff);
        }
      }
      return diffs.isEmpty() ? null : String.join("; ", diffs);
    }
  }

  private String mapResourceVersions(String pathAndQuery) {
    Matcher m = RV_PARAM.matcher(pathAndQuery);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(
          out, "resourceVersion=" + resourceVersions.getOrDefault(m.group(1), m.group(1)));
    }
    m.appendTail(out);
    return out.toString();
  }

  private String compareBodies(String real, String sim) {
    JsonElement realJson = parse(real);
    JsonElement simJson = parse(sim);
    if (realJson == null || simJson == null) {
      return (realJson == null) == (simJson == null) && real.strip().equals(sim.strip())
          ? null
          : "body differs (not both JSON)";
    }
    learnResourceVersion(realJson, simJson);
    List<String> paths = new ArrayList<>();
    diff("", normalise(realJson), normalise(simJson), paths);
    if (paths.isEmpty()) {
      return null;
    }
    return "body differs at " + paths;
  }

  private void learnResourceVersion(JsonElement real, JsonElement sim) {
    if (real.isJsonObject() && sim.isJsonObject()) {
      JsonObject rm = real.getAsJsonObject().getAsJsonObject("metadata");
      JsonObject sm = sim.getAsJsonObject().getAsJsonObject("metadata");
      if (rm != null && sm != null && rm.has("resourceVersion") && sm.has("resourceVersion")) {
        resourceVersions.put(
            rm.get("resourceVersion").getAsString(), sm.get("resourceVersion").getAsString());
      }
    }
  }

  /** Leaves out what differs between any two servers: identities, versions and clocks. */
  static JsonElement normalise(JsonElement e) {
    if (e.isJsonObject()) {
      JsonObject out = new JsonObject();
      for (Map.Entry<String, JsonElement> field : e.getAsJsonObject().entrySet()) {
        switch (field.getKey()) {
          case "uid", "resourceVersion", "creationTimestamp", "time", "deletionTimestamp" -> {}
          default -> out.add(field.getKey(), normalise(field.getValue()));
        }
      }
      return out;
    }
    if (e.isJsonArray()) {
      JsonArray out = new JsonArray();
      e.getAsJsonArray().forEach(x -> out.add(normalise(x)));
      return out;
    }
    return e;
  }

  private static void diff(String path, JsonElement real, JsonElement sim, List<String> out) {
    if (real.isJsonObject() && sim.isJsonObject()) {
      JsonObject r = real.getAsJsonObject();
      JsonObject s = sim.getAsJsonObject();
      for (String k : r.keySet()) {
        if (!s.has(k)) {
          // A struct KubeSim writes as Go writes its zero (strategy: {}) may lack the
          // fields defaulting fills into it.
          boolean defaultedStruct =
              java.util.Arrays.stream(path.split("/")).anyMatch(SERVER_FILLED::contains);
          if (!SERVER_FILLED.contains(k)
              && !defaultedStruct
              && !(k.equals("status") && isEmptyObject(r.get(k)))) {
            out.add(path + "/" + k + " missing");
          }
        } else {
          diff(path + "/" + k, r.get(k), s.get(k), out);
        }
      }
      for (String k : s.keySet()) {
        if (!r.has(k)) {
          out.add(path + "/" + k + " extra");
        }
      }
    } else if (real.isJsonArray()
        && sim.isJsonArray()
        && real.getAsJsonArray().size() == sim.getAsJsonArray().size()) {
      for (int i = 0; i < real.getAsJsonArray().size(); i++) {
        diff(path + "/" + i, real.getAsJsonArray().get(i), sim.getAsJsonArray().get(i), out);
      }
    } else if (!real.equals(sim)) {
      out.add(
          path + " = " + abbreviate(GSON.toJson(sim)) + ", real " + abbreviate(GSON.toJson(real)));
    }
  }

  private static boolean isEmptyObject(JsonElement e) {
    return e.isJsonObject() && e.getAsJsonObject().size() == 0;
  }

  private static String abbreviate(String s) {
    return s.length() > 60 ? s.substring(0, 57) + "..." : s;
  }

  private static JsonElement parse(String s) {
    if (s == null || s.isBlank()) {
      return null;
    }
    try {
      return JsonParser.parseString(s);
    } catch (JsonSyntaxException e) {
      return null;
    }
  }

  private static String mediaType(String contentType) {
    if (contentType == null) {
      return null;
    }
    int semi = contentType.indexOf(';');
    return (semi < 0 ? contentType : contentType.substring(0, semi)).trim();
  }

  private static List<KubectlTranscript> transcripts() throws IOException {
    try (Stream<Path> files = Files.list(TRANSCRIPTS)) {
      List<KubectlTranscript> out = new ArrayList<>();
      for (Path p : files.filter(f -> f.toString().endsWith(".log")).sorted().toList()) {
        out.add(KubectlTranscript.read(p));
      }
      return out;
    }
  }

  private static Path transcripts(String resource) {
    try {
      return Path.of(
          Objects.requireNonNull(KubectlTranscriptReplayTest.class.getResource(resource)).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
