package dev.safeclient.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * ListOptions as the apiserver decodes and validates them (internalversion/validation
 * ValidateListOptions), and the resourceVersion rule each form means (K8S-API-FACTS, LIST and WATCH
 * tables).
 */
class ListOptionsTest {
  private static ListOptions list(String query) {
    return ListOptions.parse(Query.parse(query), false);
  }

  private static ListOptions watch(String query) {
    return ListOptions.parse(Query.parse(query), true);
  }

  private static Status refusal(Runnable r) {
    return catchThrowableOfType(StatusException.class, r::run).status();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "|CONSISTENT|0",
        "resourceVersion=|CONSISTENT|0",
        "limit=500|CONSISTENT|0",
        "resourceVersion=0|ANY|0",
        "resourceVersion=0&limit=500|ANY|0",
        "resourceVersion=0&resourceVersionMatch=NotOlderThan|ANY|0",
        "resourceVersion=7|NOT_OLDER_THAN|7",
        "resourceVersion=7&resourceVersionMatch=NotOlderThan|NOT_OLDER_THAN|7",
        "resourceVersion=7&resourceVersionMatch=NotOlderThan&limit=5|NOT_OLDER_THAN|7",
        "resourceVersion=7&resourceVersionMatch=Exact|EXACT|7",
        // The legacy form: a specific RV with a limit is an exact read.
        "resourceVersion=7&limit=5|EXACT|7",
      })
  void eachListFormReadsTheStateTheFactSheetSays(String query, ReadMode mode, long rv) {
    ListOptions o = list(query == null ? "" : query).validate(true);
    assertThat(o.readMode()).isEqualTo(mode);
    assertThat(o.readResourceVersion()).isEqualTo(rv);
  }

  @Test
  void aContinueTokenReadsItsSnapshotExactly() {
    ListOptions o = list("limit=2&continue=" + ContinueToken.after(9, "ns/a").encode());
    assertThat(o.readMode()).isEqualTo(ReadMode.EXACT);
    assertThat(o.readResourceVersion()).isEqualTo(9);
    assertThat(o.continueTokenValue().afterKey()).isEqualTo("ns/a");
    // RV "0" beside a token is allowed; the token wins.
    assertThat(
            list("resourceVersion=0&continue=" + ContinueToken.after(9, "k").encode()).readMode())
        .isEqualTo(ReadMode.EXACT);
    // The inconsistent continuation (RV -1) reads the current state.
    ListOptions i = list("continue=" + ContinueToken.after(-1, "ns/a").encode());
    assertThat(i.readMode()).isEqualTo(ReadMode.CONSISTENT);
    assertThat(i.readResourceVersion()).isZero();
  }

  @Test
  void aContinueTokenBesideAResourceVersionIsTheStoresBadRequest() {
    Status s =
        refusal(
            () ->
                list("resourceVersion=5&continue=" + ContinueToken.after(9, "k").encode())
                    .readMode());
    assertThat(s.code()).isEqualTo(400);
    assertThat(s.message())
        .isEqualTo("specifying resource version is not allowed when using continue");
    // A token that does not decode is refused first.
    assertThat(refusal(() -> list("resourceVersion=5&continue=xx").readMode()).message())
        .startsWith("invalid continue token: ");
  }

  @Test
  void listValidationGivesTheApiserversInvalidListOptions() {
    Status s = refusal(() -> list("resourceVersionMatch=Exact").validate(true));
    assertThat(s.code()).isEqualTo(422);
    assertThat(s.reason()).isEqualTo("Invalid");
    assertThat(s.message())
        .isEqualTo(
            "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden:"
                + " resourceVersionMatch is forbidden unless resourceVersion is provided");
    JsonObject details = s.toJson().getAsJsonObject("details");
    assertThat(details.get("group").getAsString()).isEqualTo("meta.k8s.io");
    assertThat(details.get("kind").getAsString()).isEqualTo("ListOptions");
    JsonObject cause = details.getAsJsonArray("causes").get(0).getAsJsonObject();
    assertThat(cause.get("reason").getAsString()).isEqualTo("FieldValueForbidden");
    assertThat(cause.get("field").getAsString()).isEqualTo("resourceVersionMatch");

    assertThat(
            refusal(() -> list("resourceVersion=1&resourceVersionMatch=Newest").validate(true))
                .message())
        .isEqualTo(
            "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Unsupported value:"
                + " \"Newest\": supported values: \"Exact\", \"NotOlderThan\", \"\"");
    assertThat(
            refusal(() -> list("resourceVersion=0&resourceVersionMatch=Exact").validate(true))
                .message())
        .endsWith("resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"");
    assertThat(refusal(() -> list("sendInitialEvents=true").validate(true)).message())
        .endsWith("sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list");
    // Several errors: all of them, bracketed.
    assertThat(
            refusal(() -> list("resourceVersionMatch=Exact&continue=abc").validate(true)).message())
        .isEqualTo(
            "ListOptions.meta.k8s.io \"\" is invalid: [resourceVersionMatch: Forbidden:"
                + " resourceVersionMatch is forbidden unless resourceVersion is provided,"
                + " resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when"
                + " continue is provided]");
  }

  @Test
  void watchValidationFollowsTheWatchListRules() {
    // The streaming list: valid where the gate is on.
    watch("sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true")
        .validate(true);
    assertThat(
            refusal(
                    () ->
                        watch("sendInitialEvents=true&resourceVersionMatch=NotOlderThan")
                            .validate(false))
                .message())
        .endsWith(
            "sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the"
                + " WatchList feature gate is enabled");
    assertThat(refusal(() -> watch("sendInitialEvents=true").validate(true)).message())
        .endsWith(
            "resourceVersionMatch: Forbidden: sendInitialEvents requires setting"
                + " resourceVersionMatch to NotOlderThan");
    assertThat(
            refusal(
                    () ->
                        watch("resourceVersion=5&resourceVersionMatch=NotOlderThan").validate(true))
                .message())
        .endsWith(
            "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless"
                + " sendInitialEvents is provided");
    assertThat(
            refusal(
                    () ->
                        watch(
                                "sendInitialEvents=false&resourceVersionMatch=Exact&resourceVersion=1")
                            .validate(true))
                .message())
        .contains(
            "resourceVersionMatch: Unsupported value: \"Exact\": supported values: \"NotOlderThan\"");
    // A plain watch carries none of these.
    watch("resourceVersion=5&allowWatchBookmarks=true&timeoutSeconds=30").validate(false);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "|INITIAL_EVENTS|CONSISTENT|0|false",
        "resourceVersion=0|INITIAL_EVENTS|ANY|0|false",
        "resourceVersion=12|FROM_RESOURCE_VERSION||12|false",
        "sendInitialEvents=true&resourceVersionMatch=NotOlderThan|INITIAL_EVENTS|CONSISTENT|0|true",
        "sendInitialEvents=true&resourceVersionMatch=NotOlderThan&resourceVersion=0|INITIAL_EVENTS|ANY|0|true",
        "sendInitialEvents=true&resourceVersionMatch=NotOlderThan&resourceVersion=12|INITIAL_EVENTS|NOT_OLDER_THAN|12|true",
        "sendInitialEvents=false&resourceVersionMatch=NotOlderThan|FROM_NOW||0|false",
        "sendInitialEvents=false&resourceVersionMatch=NotOlderThan&resourceVersion=12|FROM_RESOURCE_VERSION||12|false",
      })
  void eachWatchFormStartsWhereTheWatchTableSays(
      String query, WatchStart.Kind kind, ReadMode state, long rv, boolean endBookmark) {
    WatchStart s = watch(query == null ? "" : query).validate(true).watchStart();
    assertThat(s.kind()).isEqualTo(kind);
    assertThat(s.initialState()).isEqualTo(state);
    assertThat(s.resourceVersion()).isEqualTo(rv);
    assertThat(s.initialEventsEndBookmark()).isEqualTo(endBookmark);
  }

  @Test
  void valuesThatDoNotDecodeAreBadRequests() {
    Status limit = refusal(() -> list("limit=ten"));
    assertThat(limit.code()).isEqualTo(400);
    assertThat(limit.message()).isEqualTo("strconv.ParseInt: parsing \"ten\": invalid syntax");
    assertThat(refusal(() -> watch("timeoutSeconds=x")).code()).isEqualTo(400);
    Status rv = refusal(() -> list("resourceVersion=abc").readMode());
    assertThat(rv.code()).isEqualTo(400);
    assertThat(rv.message()).isEqualTo("invalid resource version: abc");
  }

  @Test
  void theOptionsAreReadAsTheCodecReadsThem() {
    ListOptions o =
        ListOptions.parse(
            Query.parse(
                "watch=1&allowWatchBookmarks=&timeoutSeconds=290&labelSelector=app%3Dweb"
                    + "&fieldSelector=spec.nodeName%3Dn1&limit=3"));
    assertThat(o.watch()).isTrue();
    // An empty value is true for a boolean parameter (Convert_Slice_string_To_bool).
    assertThat(o.allowWatchBookmarks()).isTrue();
    assertThat(o.timeoutSeconds()).isEqualTo(290L);
    assertThat(o.labelSelector()).isEqualTo("app=web");
    assertThat(o.fieldSelector()).isEqualTo("spec.nodeName=n1");
    assertThat(o.limit()).isEqualTo(3);
    assertThat(o.sendInitialEvents()).isNull();
    assertThat(o.hasSelector()).isTrue();
    assertThat(ListOptions.parse(Query.parse("watch=false")).watch()).isFalse();
    assertThat(ListOptions.parse(Query.parse("sendInitialEvents=false")).sendInitialEvents())
        .isFalse();
  }
}
