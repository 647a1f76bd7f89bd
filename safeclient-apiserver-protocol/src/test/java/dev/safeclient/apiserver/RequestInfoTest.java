package dev.safeclient.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The cases of kube-apiserver's request_info_test.go, as RequestInfoFactory resolves them. */
class RequestInfoTest {
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      value = {
        // method | path | query | verb | prefix | group | version | namespace | resource | name |
        // subresource
        "GET|/api/v1/namespaces|-|list|api||v1||namespaces||",
        "GET|/api/v1/namespaces/other|-|get|api||v1|other|namespaces|other|",
        "GET|/api/v1/namespaces/other/pods/foo|-|get|api||v1|other|pods|foo|",
        "GET|/api/v1/namespaces/other/pods|-|list|api||v1|other|pods||",
        "HEAD|/api/v1/namespaces/other/pods/foo|-|get|api||v1|other|pods|foo|",
        "GET|/api/v1/pods|-|list|api||v1||pods||",
        "GET|/api/v1/pods|watch=true|watch|api||v1||pods||",
        "GET|/api/v1/pods|watch=1|watch|api||v1||pods||",
        "GET|/api/v1/pods|watch=false|list|api||v1||pods||",
        "GET|/api/v1/pods|watch=0|list|api||v1||pods||",
        "GET|/api/v1/watch/pods|-|watch|api||v1||pods||",
        "GET|/api/v1/watch/namespaces/other/pods|-|watch|api||v1|other|pods||",
        "GET|/api/v1/namespaces/other/pods|fieldSelector=metadata.name%3Dfoo|list|api||v1|other|pods|foo|",
        "GET|/api/v1/namespaces/other/pods|fieldSelector=metadata.name%3D..|list|api||v1|other|pods||",
        "GET|/api/v1/namespaces/other/pods|watch=true&fieldSelector=metadata.name%3D%3Dfoo|watch|api||v1|other|pods|foo|",
        "GET|/api/v1/namespaces/other/pods|fieldSelector=metadata.name!%3Dfoo|list|api||v1|other|pods||",
        "POST|/api/v1/namespaces/other/pods|-|create|api||v1|other|pods||",
        "PUT|/api/v1/namespaces/other/pods/foo|-|update|api||v1|other|pods|foo|",
        "PATCH|/api/v1/namespaces/other/pods/foo|-|patch|api||v1|other|pods|foo|",
        "DELETE|/api/v1/namespaces/other/pods/foo|-|delete|api||v1|other|pods|foo|",
        "DELETE|/api/v1/namespaces/other/pods|-|deletecollection|api||v1|other|pods||",
        "GET|/api/v1/namespaces/other/pods/foo/status|-|get|api||v1|other|pods|foo|status",
        "PUT|/api/v1/namespaces/other/finalize|-|update|api||v1|other|namespaces|other|finalize",
        "GET|/api/v1/namespaces/other/status|-|get|api||v1|other|namespaces|other|status",
        "GET|/apis/apps/v1/namespaces/other/deployments/web/scale|-|get|apis|apps|v1|other|deployments|web|scale",
        "GET|/apis/apps/v1/deployments|-|list|apis|apps|v1||deployments||",
        "GET|/api/v1/nodes/n1|-|get|api||v1||nodes|n1|",
        "GET|/api/v1/proxy/namespaces/other/pods/foo/a/b|-|proxy|api||v1|other|pods|foo|",
        "OPTIONS|/api/v1/pods|-||api||v1||pods||",
        // Percent-encoded paths: decoded first, as Go's req.URL.Path, an encoded slash included.
        "GET|/api/v1/namespaces/default/pods/%61|-|get|api||v1|default|pods|a|",
        "GET|/api/v1/namespaces/d%65fault/p%6Fds|-|list|api||v1|default|pods||",
        "GET|/api/v1/namespaces/ns/pods/a%2Fstatus|-|get|api||v1|ns|pods|a|status",
        "GET|/api/v1/namespaces%2Fns%2Fpods|-|list|api||v1|ns|pods||",
        "GET|/api/v1/namespaces/ns/pods/a+b%20c|-|get|api||v1|ns|pods|a+b c|",
        "GET|/api/v1/namespaces/ns/configmaps/%C3%A9t%C3%A9|-|get|api||v1|ns|configmaps|été|",
      })
  void resourceRequestsResolveAsTheApiserverDoes(
      String method,
      String path,
      String query,
      String verb,
      String prefix,
      String group,
      String version,
      String namespace,
      String resource,
      String name,
      String subresource) {
    RequestInfo r = RequestInfo.parse(method, path, Query.parse(query));
    assertThat(r.isResourceRequest()).isTrue();
    assertThat(r.verbName()).isEqualTo(nz(verb));
    assertThat(r.apiPrefix()).isEqualTo(prefix);
    assertThat(r.apiGroup()).isEqualTo(nz(group));
    assertThat(r.apiVersion()).isEqualTo(version);
    assertThat(r.namespace()).isEqualTo(nz(namespace));
    assertThat(r.resource()).isEqualTo(resource);
    assertThat(r.name()).isEqualTo(nz(name));
    assertThat(r.subresource()).isEqualTo(nz(subresource));
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }

  @ParameterizedTest
  @CsvSource({
    "GET,/healthz,get",
    "GET,/,get",
    "GET,/api,get",
    "GET,/api/v1,get",
    "GET,/apis,get",
    "GET,/apis/apps,get",
    "GET,/apis/apps/v1,get",
    "POST,/openapi/v3,post",
    "GET,/version,get",
  })
  void discoveryAndOtherPathsAreNonResourceRequests(String method, String path, String verb) {
    RequestInfo r = RequestInfo.parse(method, path, Query.parse(null));
    assertThat(r.isResourceRequest()).isFalse();
    assertThat(r.verbName()).isEqualTo(verb);
    assertThat(r.verb()).isNull();
    assertThat(r.path()).isEqualTo(path);
  }

  @Test
  void theVerbEnumFollowsTheVerbName() {
    assertThat(RequestInfo.parse("GET", "/api/v1/pods", Query.parse("watch=yes")).verb())
        .isEqualTo(Verb.WATCH);
    assertThat(RequestInfo.parse("DELETE", "/apis/batch/v1/jobs", Query.parse("")).verb())
        .isEqualTo(Verb.DELETECOLLECTION);
    assertThat(RequestInfo.parse("GET", "/api/v1/proxy/nodes/n1", Query.parse("")).verb()).isNull();
    assertThat(
            RequestInfo.parse("GET", "/api/v1/namespaces/ns/pods/p/log", Query.parse("")).parts())
        .containsExactly("pods", "p", "log");
  }

  @ParameterizedTest
  @CsvSource({"/api/v1/pods/%", "/api/v1/pods/%6", "/api/v1/pods/%zz", "/api/v1/pods/a%g1"})
  void anInvalidEscapeIsTheBadRequestOfAnUnparsableUrl(String path) {
    StatusException e =
        catchThrowableOfType(
            StatusException.class, () -> RequestInfo.parse("GET", path, Query.parse("")));
    assertThat(e.status().code()).isEqualTo(400);
    assertThat(e.status().reason()).isEqualTo("BadRequest");
  }

  @Test
  void onlyAListWatchOrDeleteCollectionOutsideWatchPathsCarriesSelectorsToTheAuthorizer() {
    Query q = Query.parse("fieldSelector=spec.nodeName%3Dn1&labelSelector=app%3Dweb");
    for (String[] c :
        new String[][] {
          {"GET", "/api/v1/pods"},
          {"GET", "/api/v1/namespaces/ns/pods"},
          {"DELETE", "/api/v1/namespaces/ns/pods"},
        }) {
      RequestInfo r = RequestInfo.parse(c[0], c[1], q);
      assertThat(r.fieldSelector()).as(c[1]).isEqualTo("spec.nodeName=n1");
      assertThat(r.labelSelector()).as(c[1]).isEqualTo("app=web");
    }
    RequestInfo watch =
        RequestInfo.parse("GET", "/api/v1/pods", Query.parse("watch=1&" + "fieldSelector=a%3Db"));
    assertThat(watch.fieldSelector()).isEqualTo("a=b");
    for (String path : new String[] {"/api/v1/watch/pods", "/api/v1/namespaces/ns/pods/p"}) {
      RequestInfo r = RequestInfo.parse("GET", path, q);
      assertThat(r.fieldSelector()).as(path).isEmpty();
      assertThat(r.labelSelector()).as(path).isEmpty();
    }
  }

  @Test
  void thePathIsTheDecodedOne() {
    assertThat(RequestInfo.parse("GET", "/api/v1/namespaces/ns/pods/%61", Query.parse("")).path())
        .isEqualTo("/api/v1/namespaces/ns/pods/a");
    assertThat(RequestInfo.decodePath("/version%2F")).isEqualTo("/version/");
    assertThat(RequestInfo.decodePath("/plain")).isEqualTo("/plain");
  }

  @Test
  void aSpecialVerbWithNothingAfterItIsTheFiltersInternalError() {
    StatusException e =
        catchThrowableOfType(
            StatusException.class,
            () -> RequestInfo.parse("GET", "/api/v1/watch", Query.parse("")));
    assertThat(e.status().code()).isEqualTo(500);
    assertThat(e.status().message())
        .contains("unable to determine kind and namespace from url, /api/v1/watch");
  }
}
