package dev.safeclient.testing;

import static dev.safeclient.testing.StatusAnswers.status;

import dev.safeclient.apiserver.MediaTypes;
import dev.safeclient.apiserver.Query;
import dev.safeclient.apiserver.RequestInfo;
import dev.safeclient.apiserver.Status;
import dev.safeclient.apiserver.StatusException;
import dev.safeclient.apiserver.Verb;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The HTTP face of KubeSim: parses a request the way the apiserver does (path, verb, apiserver),
 * admits it through APF and hands it to the reads, watches or writes that answer it.
 */
final class ApiHandler extends Handler.Abstract {
  /** Pins a request to one simulated apiserver (tests); otherwise round-robin per connection. */
  static final String APISERVER_HEADER = "X-KubeSim-Apiserver";

  private static final String APISERVER_ATTRIBUTE = "kubesim.apiserver";

  private final KubeSim sim;
  private final AtomicInteger nextApiserver = new AtomicInteger();
  private final Reads reads;
  private final Watches watches;
  private final Writes writes;
  private final Discovery discovery;
  private final Subresources subresources;
  private final FaultInjection faults;
  private final AggregatedApi aggregated;
  private final Admission admission;

  ApiHandler(KubeSim sim) {
    this.sim = sim;
    this.reads = new Reads(sim);
    this.admission = new Admission(sim);
    this.watches = new Watches(sim);
    this.writes = new Writes(sim);
    this.discovery = new Discovery(sim);
    this.subresources = new Subresources(sim, reads, writes);
    this.faults = new FaultInjection(sim, this::execute);
    this.aggregated = new AggregatedApi(sim);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    try {
      return handleCall(request, response, callback);
    } catch (RuntimeException | IOException e) {
      ApiCall.send(
          response, callback, status(500, "InternalError", "KubeSim: " + e, null), sim.statsLive());
      return true;
    }
  }

  private boolean handleCall(Request request, Response response, Callback callback)
      throws IOException {
    SimStats stats = sim.statsLive();
    String path;
    try {
      // Go's req.URL.Path: decoded, an encoded slash a separator as any other.
      path = RequestInfo.decodePath(request.getHttpURI().getPath());
    } catch (StatusException e) {
      ApiCall.send(response, callback, Answer.of(e.status()), stats);
      return true;
    }
    List<String> seg = new ArrayList<>();
    for (String s : path.split("/")) {
      if (!s.isEmpty()) {
        seg.add(s);
      }
    }
    if (seg.isEmpty() || !(seg.get(0).equals("api") || seg.get(0).equals("apis"))) {
      ApiCall.send(response, callback, discovery.nonResource(path), stats);
      return true;
    }
    ApiCall c = new ApiCall(request, response, callback, stats);
    int base = seg.get(0).equals("api") ? 1 : 2;
    String acceptHeader = request.getHeaders().get(HttpHeader.ACCEPT);
    if (seg.size() == 1) {
      ApiCall.send(response, callback, discovery.discoveryGroups(seg.get(0), acceptHeader), stats);
      return true;
    }
    if (base == 2 && seg.size() == 2) {
      ApiCall.send(response, callback, discovery.discoveryGroup(seg.get(1)), stats);
      return true;
    }
    String group = base == 1 ? "" : seg.get(1);
    String version = seg.get(base);
    List<String> rest = seg.subList(base + 1, seg.size());
    if (rest.isEmpty()) {
      ApiCall.send(response, callback, discovery.discoveryResources(group, version), stats);
      return true;
    }
    if (AccessReviews.isAccessReview(group, version, rest)) {
      ApiCall.send(
          response,
          callback,
          AccessReviews.review(
              request.getMethod(), Content.Source.asString(request, StandardCharsets.UTF_8)),
          stats);
      return true;
    }
    boolean tokenReview = TokenReviews.isTokenReview(group, version, rest);
    if (tokenReview || SubjectAccessReviews.isSubjectAccessReview(group, version, rest)) {
      ApiCall.send(response, callback, delegatedReview(request, tokenReview), stats);
      return true;
    }
    RequestInfo info;
    try {
      info = RequestInfo.parse(c.method, path, Query.parse(request.getHttpURI().getQuery()));
    } catch (StatusException e) {
      ApiCall.send(response, callback, Answer.of(e.status()), stats);
      return true;
    }
    String apiVersion = group.isEmpty() ? version : group + "/" + version;
    c.type =
        info.verbName().equals("proxy")
            ? null // the proxy verb's paths were removed from the apiserver: not found
            : sim.resources().get(apiVersion + "/" + info.resource());
    if (c.type == null) {
      ApiCall.send(response, callback, Answer.of(Status.resourceNotFound()), stats);
      return true;
    }
    // A namespace's own path (/namespaces/ns, its status and finalize) is no namespace's object.
    boolean namespaceObject = info.resource().equals("namespaces") && group.isEmpty();
    c.namespace = namespaceObject ? "" : info.namespace();
    // A list or watch names an object only through its field selector: not a path name.
    boolean collection = info.verb() == Verb.LIST || info.verb() == Verb.WATCH;
    c.name = info.name().isEmpty() || collection ? null : info.name();
    c.authorizedName = info.name().isEmpty() ? null : info.name();
    c.authorizedFieldSelector = info.fieldSelector();
    c.subresource = info.subresource().isEmpty() ? null : info.subresource();
    // The apiserver registers no HEAD route on resources: 405, though RequestInfo says "get".
    c.verb = c.method.equals("HEAD") ? null : info.verb();
    c.protobuf = ProtobufEncoding.accepted(request.getHeaders().get(HttpHeader.ACCEPT));
    c.apiserver = pick(request);
    c.apiserver.catchUp();
    String query = request.getHttpURI().getQuery();
    String accept = request.getHeaders().get(HttpHeader.ACCEPT);
    c.record =
        stats.begin(
            sim.clock().millis(),
            c.method + " " + path + (query == null ? "" : "?" + query),
            accept == null ? "" : accept,
            c.userAgent,
            sim.config().identity(request.getHeaders().get(HttpHeader.AUTHORIZATION)),
            c.form());
    if (c.verb != null && c.verb.isWrite()) {
      c.record.servedFrom = "etcd";
    }
    if (c.verb == null) {
      stats.request(
          c.method.toLowerCase(java.util.Locale.ROOT),
          c.type.resourceName(),
          c.userAgent,
          c.apiserver.index());
      c.send(
          status(
              405,
              "MethodNotAllowed",
              "the server does not allow this method on the requested resource",
              null));
      return true;
    }
    stats.request(c.verb.apiName(), c.type.resourceName(), c.userAgent, c.apiserver.index());
    if (!MediaTypes.acceptsPlainEncoding(accept)) {
      c.send(Answer.of(Status.notAcceptable()));
      return true;
    }
    if (c.subresource != null) {
      Answer refused = Subresources.refuse(c);
      if (refused != null) {
        c.send(refused);
        return true;
      }
    }
    // In flight until answered (or its watch established): KubeSim's virtual clock advances
    // only once every request in flight waits on it.
    ClockWaits waits = sim.waits();
    waits.enter();
    SimStats.enter(c.record);
    try {
      serve(c, stats);
    } finally {
      SimStats.leave();
      if (!c.deferred) {
        c.finish(); // unanswered (a SILENT fault) or a watch: its bill closes now
      }
      waits.exit();
    }
    return true;
  }

  private void serve(ApiCall c, SimStats stats) throws IOException {
    if (!c.method.equals("GET")) {
      c.body = Content.Source.asString(c.request, StandardCharsets.UTF_8);
    }
    Fault f = sim.faults().next(c.verb.apiName(), c.type.resourceName());
    if (f != null && faults.inject(c, f)) {
      return;
    }
    if (aggregated.serves(c.type)) {
      Answer denied = authorize(c);
      if (denied != null) {
        c.send(denied);
        return;
      }
      aggregated.serve(c);
      return;
    }
    if (c.verb == Verb.WATCH) {
      // A watch holds its seats while it initialises (its initial events, a freshness wait), then
      // runs on none.
      if (!admission.admit(c, watchSeats(c))) {
        return;
      }
      try {
        Answer denied = authorize(c);
        if (denied != null) {
          c.send(denied);
          return;
        }
        watches.watch(c, f);
      } finally {
        admission.finish(c);
      }
      return;
    }
    Answer early = reads.validate(c);
    if (early != null) {
      c.send(early);
      return;
    }
    if (!admission.admit(c, reads.estimateSeats(c))) {
      return;
    }
    // WithAuthorization runs inside WithPriorityAndFairness: a forbidden request was admitted.
    Answer denied = authorize(c);
    if (denied != null) {
      c.send(denied);
      admission.finish(c);
      return;
    }
    if (f != null && f.kind() == Fault.Kind.LATENCY) {
      c.deferred = true;
      sim.scheduler()
          .schedule(
              () -> {
                SimStats.enter(c.record);
                try {
                  proceed(c);
                } finally {
                  SimStats.leave();
                  c.finish();
                }
              },
              f.latencyValue().toMillis(),
              TimeUnit.MILLISECONDS);
      return;
    }
    proceed(c);
  }

  /**
   * A TokenReview or SubjectAccessReview: its caller must itself be allowed to create it (what
   * system:auth-delegator grants); counted per resource so a rehearsal can bill it.
   */
  private Answer delegatedReview(Request request, boolean tokenReview) throws IOException {
    SimConfig config = sim.config();
    String resource = tokenReview ? TokenReviews.RESOURCE : SubjectAccessReviews.RESOURCE;
    String userAgent = request.getHeaders().get(HttpHeader.USER_AGENT);
    sim.statsLive()
        .request("create", resource, userAgent == null ? "" : userAgent, pick(request).index());
    if (!request.getMethod().equals("POST")) {
      return status(
          405,
          "MethodNotAllowed",
          "the server does not allow this method on the requested resource",
          null);
    }
    if (config.authorizes()) {
      Authorization.Attributes caller =
          new Authorization.Attributes(
              config.identity(request.getHeaders().get(HttpHeader.AUTHORIZATION)),
              TokenReviews.groupsOf(
                  config.identity(request.getHeaders().get(HttpHeader.AUTHORIZATION))),
              "create",
              tokenReview ? TokenReviews.GROUP : AccessReviews.GROUP,
              tokenReview ? TokenReviews.PLURAL : SubjectAccessReviews.PLURAL,
              null,
              "",
              null,
              null);
      Authorization.Decision d =
          Authorization.decide(
              config.version,
              config.nodeAuthorizer,
              config.rules,
              caller,
              Authorization.PodBindings.NONE);
      if (!d.allowed()) {
        return Authorization.forbidden(caller, d.reason());
      }
    }
    String body = Content.Source.asString(request, StandardCharsets.UTF_8);
    return tokenReview
        ? TokenReviews.review(config, body)
        : SubjectAccessReviews.review(config, sim::podNode, body);
  }

  private Answer authorize(ApiCall c) {
    SimConfig config = sim.config();
    if (!config.authorizes()) {
      return null;
    }
    String nodeName;
    try {
      // The selector RequestInfo passes the authorizer: none from a /watch/ path, nor a get.
      nodeName = Selector.parse(null, c.authorizedFieldSelector).nodeName;
    } catch (IllegalArgumentException e) {
      nodeName = null; // the read itself answers 400
    }
    return Authorization.check(
        config.version,
        config.nodeAuthorizer,
        config.rules,
        c,
        c.record.identity,
        nodeName,
        sim::podNode);
  }

  private SimulatedApiserver pick(Request request) {
    List<SimulatedApiserver> all = sim.apiservers();
    String pinned = request.getHeaders().get(APISERVER_HEADER);
    if (pinned != null) {
      return all.get(Math.floorMod(Integer.parseInt(pinned.trim()), all.size()));
    }
    if (all.size() == 1) {
      return all.get(0);
    }
    var meta = request.getConnectionMetaData();
    Object idx = meta.getAttribute(APISERVER_ATTRIBUTE);
    if (idx == null) {
      idx = Math.floorMod(nextApiserver.getAndIncrement(), all.size());
      meta.setAttribute(APISERVER_ATTRIBUTE, idx);
    }
    return all.get((Integer) idx);
  }

  private void proceed(ApiCall c) {
    try {
      c.send(execute(c));
    } catch (Writes.Refused e) {
      c.send(e.answer);
    } catch (Writes.BadRequest | NumberFormatException e) {
      c.send(status(400, "BadRequest", e.getMessage(), null));
    } catch (Writes.UnsupportedBody e) {
      c.send(status(415, "UnsupportedMediaType", e.getMessage(), null));
    } catch (RuntimeException e) {
      c.send(status(500, "InternalError", "KubeSim: " + e, null));
    } finally {
      admission.finish(c);
    }
  }

  /**
   * A watch's estimate (listWorkEstimator.estimate); options that do not parse get the level's
   * maximum, as upstream does for a request destined to fail validation.
   */
  private int watchSeats(ApiCall c) {
    try {
      return reads.estimate(c, Reads.readRequest(c));
    } catch (IllegalArgumentException e) {
      return sim.priorityLevel().maxSeats();
    }
  }

  private Answer execute(ApiCall c) {
    if (c.verb.isWrite()) {
      return writes.asDryRunIfAsked(c, () -> executeVerb(c));
    }
    return executeVerb(c);
  }

  private Answer executeVerb(ApiCall c) {
    if (c.subresource != null) {
      return subresources.serve(c);
    }
    switch (c.verb) {
      case GET:
        return reads.get(c);
      case LIST:
        return reads.list(c);
      case CREATE:
        return writes.create(c);
      case UPDATE:
        return writes.replace(c);
      case PATCH:
        return writes.patch(c);
      case DELETE:
        return writes.delete(c);
      case DELETECOLLECTION:
        return writes.deleteCollection(c);
      default:
        return status(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
            null);
    }
  }

  /** Stores an object as a create would, without HTTP or accounting (seeding). */
  Answer createObject(ResourceType t, String namespace, com.google.gson.JsonObject o) {
    return writes.createObject(t, namespace, o);
  }

  /** The simulated kubelet: removes pods whose grace period has ended. */
  void finishGracefulDeletions() {
    writes.finishGracefulDeletions();
  }

  /** The simulated namespace controller: empties Terminating namespaces, then removes them. */
  void finishTerminatingNamespaces() {
    writes.finishTerminatingNamespaces();
  }

  AggregatedApi aggregatedApi() {
    return aggregated;
  }

  /** Cuts every half-open request held by a SILENT fault (at close). */
  void releaseSilent() {
    faults.releaseSilent();
  }
}
