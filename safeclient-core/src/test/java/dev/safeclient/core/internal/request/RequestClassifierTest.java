package dev.safeclient.core.internal.request;

import static org.assertj.core.api.Assertions.assertThat;

import okhttp3.Request;
import okhttp3.RequestBody;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every path shape the API uses, resolved as the API server's requestinfo.go does. */
class RequestClassifierTest {
  static final String BASE = "https://api.example:6443";
  final RequestClassifier classifier = new RequestClassifier(BASE);

  private KubeRequest classify(String method, String pathAndQuery) {
    Request.Builder b = new Request.Builder().url(BASE + pathAndQuery);
    b.method(
        method,
        method.equals("GET") || method.equals("HEAD") ? null : RequestBody.create(new byte[0]));
    return classifier.classify(b.build(), CallOrigin.USER);
  }

  /** method, path, verb, group, version, resource, namespace, name, subresource, subpath. */
  @ParameterizedTest
  @CsvSource(
      nullValues = "-",
      value = {
        // core group, namespaced and cluster-scoped
        "GET,/api/v1/pods,LIST,'',v1,pods,-,-,-,-",
        "GET,/api/v1/namespaces/default/pods,LIST,'',v1,pods,default,-,-,-",
        "GET,/api/v1/namespaces/default/pods/p1,GET,'',v1,pods,default,p1,-,-",
        "POST,/api/v1/namespaces/default/pods,CREATE,'',v1,pods,default,-,-,-",
        "PUT,/api/v1/namespaces/default/pods/p1,UPDATE,'',v1,pods,default,p1,-,-",
        "PATCH,/api/v1/namespaces/default/pods/p1,PATCH,'',v1,pods,default,p1,-,-",
        "DELETE,/api/v1/namespaces/default/pods/p1,DELETE,'',v1,pods,default,p1,-,-",
        "DELETE,/api/v1/namespaces/default/pods,DELETECOLLECTION,'',v1,pods,default,-,-,-",
        "GET,/api/v1/nodes,LIST,'',v1,nodes,-,-,-,-",
        "GET,/api/v1/nodes/n1,GET,'',v1,nodes,-,n1,-,-",
        // namespaces themselves
        "GET,/api/v1/namespaces,LIST,'',v1,namespaces,-,-,-,-",
        "GET,/api/v1/namespaces/kube-system,GET,'',v1,namespaces,-,kube-system,-,-",
        "PUT,/api/v1/namespaces/ns1/status,UPDATE,'',v1,namespaces,-,ns1,status,-",
        "PUT,/api/v1/namespaces/ns1/finalize,UPDATE,'',v1,namespaces,-,ns1,finalize,-",
        // groups
        "GET,/apis/apps/v1/deployments,LIST,apps,v1,deployments,-,-,-,-",
        "GET,/apis/apps/v1/namespaces/prod/deployments/web,GET,apps,v1,deployments,prod,web,-,-",
        "GET,/apis/rbac.authorization.k8s.io/v1/clusterroles/admin,GET,rbac.authorization.k8s.io,v1,clusterroles,-,admin,-,-",
        "GET,/apis/stable.example.com/v1/namespaces/a/crontabs,LIST,stable.example.com,v1,crontabs,a,-,-,-",
        // subresources
        "PUT,/api/v1/namespaces/default/pods/p1/status,UPDATE,'',v1,pods,default,p1,status,-",
        "GET,/apis/apps/v1/namespaces/prod/deployments/web/scale,GET,apps,v1,deployments,prod,web,scale,-",
        "PATCH,/apis/apps/v1/namespaces/prod/deployments/web/scale,PATCH,apps,v1,deployments,prod,web,scale,-",
        "GET,/api/v1/namespaces/default/pods/p1/log,GET,'',v1,pods,default,p1,log,-",
        "POST,/api/v1/namespaces/default/pods/p1/eviction,CREATE,'',v1,pods,default,p1,eviction,-",
        "POST,/api/v1/namespaces/default/pods/p1/binding,CREATE,'',v1,pods,default,p1,binding,-",
        "POST,/api/v1/namespaces/default/bindings,CREATE,'',v1,bindings,default,-,-,-",
        "PUT,/apis/apps/v1/namespaces/prod/deployments/web/status,UPDATE,apps,v1,deployments,prod,web,status,-",
        // connect: exec, attach, portforward, proxy with a trailing path
        "POST,/api/v1/namespaces/default/pods/p1/exec,CONNECT,'',v1,pods,default,p1,exec,-",
        "GET,/api/v1/namespaces/default/pods/p1/exec,CONNECT,'',v1,pods,default,p1,exec,-",
        "POST,/api/v1/namespaces/default/pods/p1/attach,CONNECT,'',v1,pods,default,p1,attach,-",
        "GET,/api/v1/namespaces/default/pods/p1/portforward,CONNECT,'',v1,pods,default,p1,portforward,-",
        "GET,/api/v1/namespaces/default/pods/p1/proxy,CONNECT,'',v1,pods,default,p1,proxy,-",
        "GET,/api/v1/namespaces/mon/services/svc:9090/proxy/api/v1/query,CONNECT,'',v1,services,mon,svc:9090,proxy,/api/v1/query",
        "GET,/api/v1/nodes/n1/proxy/stats/summary,CONNECT,'',v1,nodes,-,n1,proxy,/stats/summary",
        // legacy /watch/ paths and ?watch
        "GET,/api/v1/watch/pods,WATCH,'',v1,pods,-,-,-,-",
        "GET,/api/v1/watch/namespaces/default/pods,WATCH,'',v1,pods,default,-,-,-",
        "GET,/api/v1/watch/namespaces/default/pods/p1,WATCH,'',v1,pods,default,p1,-,-",
        "GET,/apis/apps/v1/watch/namespaces/prod/deployments,WATCH,apps,v1,deployments,prod,-,-,-",
        "GET,/api/v1/watch/namespaces,WATCH,'',v1,namespaces,-,-,-,-",
        "GET,/api/v1/namespaces/default/pods?watch=true,WATCH,'',v1,pods,default,-,-,-",
        "GET,/api/v1/pods?watch=1,WATCH,'',v1,pods,-,-,-,-",
        "GET,/api/v1/pods?watch=false,LIST,'',v1,pods,-,-,-,-",
        "GET,/api/v1/pods?watch=0,LIST,'',v1,pods,-,-,-,-",
        // a name makes ?watch a GET, as in requestinfo.go
        "GET,/api/v1/namespaces/default/pods/p1?watch=true,GET,'',v1,pods,default,p1,-,-",
      })
  void classifiesEveryPathShape(
      String method,
      String path,
      Verb verb,
      String group,
      String version,
      String resource,
      String namespace,
      String name,
      String subresource,
      String subpath) {
    KubeRequest k = classify(method, path);

    assertThat(k.verb()).as("verb").isEqualTo(verb);
    assertThat(k.group()).as("group").isEqualTo(group);
    assertThat(k.version()).as("version").isEqualTo(version);
    assertThat(k.resource()).as("resource").isEqualTo(resource);
    assertThat(k.namespace()).as("namespace").isEqualTo(namespace);
    assertThat(k.name()).as("name").isEqualTo(name);
    assertThat(k.subresource()).as("subresource").isEqualTo(subresource);
    assertThat(k.subpath()).as("subpath").isEqualTo(subpath);
    assertThat(k.legacyWatchPath()).isEqualTo(path.contains("/watch/"));
  }

  @ParameterizedTest
  @CsvSource({
    "GET,/api",
    "GET,/apis",
    "GET,/api/v1",
    "GET,/apis/apps",
    "GET,/apis/apps/v1",
    "GET,/version",
    "GET,/healthz",
    "GET,/openapi/v2",
    "GET,/metrics"
  })
  void nonResourcePathsAreNotResources(String method, String path) {
    KubeRequest k = classify(method, path);

    assertThat(k.verb()).isEqualTo(Verb.NON_RESOURCE);
    assertThat(k.resource()).isNull();
    assertThat(k.isLongRunningStream()).isFalse();
  }

  @ParameterizedTest
  @CsvSource({
    "POST,/api/v1/namespaces/default/pods/p1/exec?command=sh&stdin=true,true",
    "POST,/api/v1/namespaces/default/pods/p1/attach?stdout=true,true",
    "GET,/api/v1/namespaces/default/pods/p1/portforward?ports=8080,true",
    "GET,/api/v1/namespaces/default/services/s/proxy/x,true",
    "GET,/api/v1/namespaces/default/pods/p1/log?follow=true,true",
    "GET,/api/v1/namespaces/default/pods/p1/log?follow=1,true",
    "GET,/api/v1/namespaces/default/pods/p1/log?follow=false,false",
    "GET,/api/v1/namespaces/default/pods/p1/log,false",
    "GET,/api/v1/pods?watch=true,false",
    "GET,/api/v1/pods,false"
  })
  void longRunningStreams(String method, String path, boolean longRunning) {
    assertThat(classify(method, path).isLongRunningStream()).isEqualTo(longRunning);
  }

  @Test
  void anUpgradeHeaderMakesAnyCallALongRunningStream() {
    Request upgrade =
        new Request.Builder()
            .url(BASE + "/api/v1/namespaces/default/pods/p1/log")
            .header("Upgrade", "SPDY/3.1")
            .build();

    assertThat(classifier.classify(upgrade, CallOrigin.USER).isLongRunningStream()).isTrue();
  }

  @Test
  void aBasePathPrefixIsStripped() {
    RequestClassifier behindProxy = new RequestClassifier("https://gw.example/k8s/cluster-1");
    KubeRequest k =
        behindProxy.classify(
            new Request.Builder()
                .url("https://gw.example/k8s/cluster-1/apis/apps/v1/namespaces/a/deployments")
                .build(),
            CallOrigin.LIBRARY);

    assertThat(k.verb()).isEqualTo(Verb.LIST);
    assertThat(k.groupResource()).isEqualTo("deployments.apps");
    assertThat(k.namespace()).isEqualTo("a");
    assertThat(k.origin()).isEqualTo(CallOrigin.LIBRARY);
  }

  @Test
  void theRequestLineHasPathAndQueryButNoHeaders() {
    Request r =
        new Request.Builder()
            .url(BASE + "/api/v1/pods?labelSelector=app%3Dx&limit=5")
            .header("Authorization", "Bearer secret")
            .build();

    KubeRequest k = classifier.classify(r, CallOrigin.USER);

    assertThat(k.requestLine()).isEqualTo("GET /api/v1/pods?labelSelector=app%3Dx&limit=5");
    assertThat(k.groupVersion()).isEqualTo("v1");
    assertThat(k.queryMap()).containsEntry("labelSelector", "app=x").containsEntry("limit", "5");
  }
}
