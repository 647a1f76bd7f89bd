package dev.safeclient.model.serving;

import static dev.safeclient.model.serving.ServedFrom.CACHE_SNAPSHOT;
import static dev.safeclient.model.serving.ServedFrom.ETCD;
import static dev.safeclient.model.serving.ServedFrom.WATCH_CACHE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.model.serving.ReadRequest.Match;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One test per row of K8S-API-FACTS.md's LIST table, for every version 1.30..1.36: where the
 * request is served (CacheDelegator.GetList / Cacher.GetList with delegator.ShouldDelegateList) and
 * what APF estimates (listWorkEstimator.estimate). The fixture resource: 20,000 pods of 4 kB each
 * as etcd stores them (80 MB), so the size-based estimate is far from both caps.
 */
class ReadServingTest {
  static final long STORED = 20_000;
  static final long AVG = 4_000;

  private static ServerVersion v(int minor) {
    return ServerVersion.ofMinor(minor);
  }

  private static Serving serve(int minor, ReadRequest r) {
    return ReadServing.decide(v(minor), r, true, true, true);
  }

  private static int seats(int minor, ReadRequest r) {
    return ListWorkEstimator.estimate(v(minor), r, STORED, AVG, 0);
  }

  // Row: RV unset, a consistent read. ShouldDelegateConsistentRead / ConsistentReadSupported;
  // seatsBasedOnObjectCount (2 × stored from etcd, stored from cache) / seatsBasedOnObjectSize.
  @ParameterizedTest
  @ValueSource(ints = {30, 31, 32, 33, 34, 35, 36})
  void consistentListIsEtcdOn130AndTheCacheAfter(int minor) {
    ReadRequest r = ReadRequest.list();
    assertThat(serve(minor, r).from()).isEqualTo(minor == 30 ? ETCD : WATCH_CACHE);
    assertThat(serve(minor, r).consistentRead()).isEqualTo(minor >= 31);
    // 1.30: 2 × 20,000 / 100 = 400, capped 10. 1.31–1.33: 20,000 / 100, capped 10.
    // 1.34+: min(20,000 × 4 kB, 1 MB) / 100 kB = 10.
    assertThat(seats(minor, r)).isEqualTo(10);
    // A small resource shows the formulas below the caps: 450 pods of 1 kB.
    int small = ListWorkEstimator.estimate(v(minor), r, 450, 1_000, 0);
    assertThat(small).isEqualTo(minor == 30 ? 9 : minor <= 33 ? 5 : 5);
  }

  // Row: RV unset + limit. The limit=1 probe: 2 × 1 on 1.30 (etcd), stored on 1.31–1.33 (cache,
  // count-based ignores limit), 1 × avg size on 1.34+.
  @ParameterizedTest
  @ValueSource(ints = {30, 31, 32, 33, 34, 35, 36})
  void consistentListWithLimitProbe(int minor) {
    ReadRequest r = ReadRequest.list().limit(1);
    assertThat(serve(minor, r).from()).isEqualTo(minor == 30 ? ETCD : WATCH_CACHE);
    assertThat(serve(minor, r).limitHonoured()).isTrue();
    assertThat(seats(minor, r)).isEqualTo(minor == 30 ? 1 : minor <= 33 ? 10 : 1);
    ReadRequest page = ReadRequest.list().limit(500); // 500 × 4 kB = 2 MB, from the cache: 1 MB
    assertThat(seats(minor, page)).isEqualTo(minor == 30 ? 10 : 10);
  }

  // Row: continue=TOKEN. ShouldDelegateContinue: etcd up to 1.33, a retained snapshot from 1.34;
  // always estimated as an etcd read (the estimator uses CacheWithoutSnapshots).
  @ParameterizedTest
  @ValueSource(ints = {30, 31, 32, 33, 34, 35, 36})
  void continuationsAreEtcdThenSnapshotsButAlwaysEstimatedAsEtcd(int minor) {
    ReadRequest r = ReadRequest.list().limit(500).continueFrom("tok", 1234);
    assertThat(serve(minor, r).from()).isEqualTo(minor >= 34 ? CACHE_SNAPSHOT : ETCD);
    // A snapshot no longer retained: etcd on every version.
    assertThat(ReadServing.decide(v(minor), r, true, true, false).from()).isEqualTo(ETCD);
    // etcd estimate: 1.30–1.33 2 × 500 / 100 = 10; 1.34+ 500 × 4 kB / 100 kB = 20 (not capped at
    // 10).
    assertThat(seats(minor, r)).isEqualTo(minor <= 33 ? 10 : 20);
  }

  // Row: resourceVersionMatch=Exact, or a specific RV + limit (the legacy exact match).
  @ParameterizedTest
  @ValueSource(ints = {30, 31, 32, 33, 34, 35, 36})
  void exactReadsAreEtcdThenSnapshots(int minor) {
    ReadRequest exact = ReadRequest.list().resourceVersion("1234").match(Match.EXACT);
    ReadRequest legacy = ReadRequest.list().resourceVersion("1234").limit(500);
    for (ReadRequest r : new ReadRequest[] {exact, legacy}) {
      assertThat(serve(minor, r).from())
          .as(r.toString())
          .isEqualTo(minor >= 34 ? CACHE_SNAPSHOT : ETCD);
    }
    // Exact without limit from etcd: 2 × 20,000 capped 10; 1.34+ 20,000 × 4 kB → capped at 100.
    assertThat(seats(minor, exact)).isEqualTo(minor <= 33 ? 10 : 100);
    assertThat(seats(minor, legacy)).isEqualTo(minor <= 33 ? 10 : 20);
    // The 1.34+ storage cap is the priority level's max seats: nominal 100, hand size 8 → 12.
    int plMax = ListWorkEstimator.priorityLevelMaxSeats(100, 8);
    assertThat(plMax).isEqualTo(12);
    assertThat(ListWorkEstimator.estimate(v(minor), exact, STORED, AVG, plMax))
        .isEqualTo(minor <= 33 ? 10 : 12);
  }

  // Row: resourceVersion=0. The cache when enabled and ready, limit ignored; etcd otherwise.
  @ParameterizedTest
  @ValueSource(ints = {30, 31, 32, 33, 34, 35, 36})
  void rv0IsTheCacheWithLimitIgnored(int minor) {
    ReadRequest r = ReadRequest.list().resourceVersion("0").limit(500);
    Serving s = serve(minor, r);
    assertThat(s.from()).isEqualTo(WATCH_CACHE);
    assertThat(s.limitHonoured()).isFalse();
    assertThat(s.whenCacheBehind()).isEqualTo(Serving.WhenCacheBehind.NONE);
    Serving disabled = ReadServing.decide(v(minor), r, false, true, true);
    assertThat(disabled.from()).isEqualTo(ETCD);
    assertThat(disabled.limitHonoured()).isTrue();
    // From the stored count: 20,000 / 100 capped 10; 1.34+ min(500 × 4 kB, 1 MB) = 10.
    assertThat(seats(minor, r)).isEqualTo(10);
    assertThat(seats(minor, ReadRequest.list().resourceVersion("0").limit(1)))
        .isEqualTo(minor <= 33 ? 10 : 1);
  }

  // Row: specific RV without limit, or + NotOlderThan: the cache, waiting up to 3 s then 504.
  @ParameterizedTest
  @ValueSource(ints = {30, 31, 32, 33, 34, 35, 36})
  void notOlderThanIsTheCacheAndWaitsThenTooLarge(int minor) {
    for (ReadRequest r :
        new ReadRequest[] {
          ReadRequest.list().resourceVersion("1234"),
          ReadRequest.list().resourceVersion("1234").match(Match.NOT_OLDER_THAN)
        }) {
      Serving s = serve(minor, r);
      assertThat(s.from()).as(r.toString()).isEqualTo(WATCH_CACHE);
      assertThat(s.whenCacheBehind())
          .isEqualTo(Serving.WhenCacheBehind.WAIT_THEN_TOO_LARGE_RESOURCE_VERSION);
      assertThat(seats(minor, r)).isEqualTo(10);
    }
    assertThat(ReadServing.FRESHNESS_WAIT.getSeconds()).isEqualTo(3);
  }

  // Row: specific RV + NotOlderThan + limit: etcd on 1.30 (hasLimit), the cache from 1.31.
  @ParameterizedTest
  @ValueSource(ints = {30, 31, 32, 33, 34, 35, 36})
  void notOlderThanWithLimit(int minor) {
    ReadRequest r = ReadRequest.list().resourceVersion("1234").match(Match.NOT_OLDER_THAN).limit(1);
    assertThat(serve(minor, r).from()).isEqualTo(minor == 30 ? ETCD : WATCH_CACHE);
    // 1.30 etcd 2 × 1; 1.31–1.33 cache stored; 1.34+ cache 1 × 4 kB.
    assertThat(seats(minor, r)).isEqualTo(minor == 30 ? 1 : minor <= 33 ? 10 : 1);
  }

  // Footnote *: an etcd without progress requests (ConsistentReadSupported false) sends
  // consistent reads to etcd on every version.
  @ParameterizedTest
  @ValueSource(ints = {30, 31, 32, 33, 34, 35, 36})
  void oldEtcdSendsConsistentReadsToEtcd(int minor) {
    ServerVersion old = v(minor).withOldEtcd();
    assertThat(ReadServing.decide(old, ReadRequest.list().limit(500), true, true, true).from())
        .isEqualTo(ETCD);
    assertThat(old.requestsProgressOnDemand()).isFalse();
    assertThat(v(minor).requestsProgressOnDemand()).isEqualTo(minor >= 31);
    // Estimated as etcd: 2 × 500 / 100 = 10; 1.34+ 500 × 4 kB / 100 kB = 20.
    assertThat(ListWorkEstimator.estimate(old, ReadRequest.list().limit(500), STORED, AVG, 0))
        .isEqualTo(minor <= 33 ? 10 : 20);
  }

  // Seat caps: cache-served ≤ 10 always (cacheWithStreamingMaxMemoryUsage); storage ≤ 100 from
  // 1.34 (maximumListSeatsLimit), ≤ 10 before (maximumSeatsLimit).
  @ParameterizedTest
  @ValueSource(ints = {30, 31, 32, 33, 34, 35, 36})
  void seatCaps(int minor) {
    ReadRequest cache = ReadRequest.list().resourceVersion("0");
    ReadRequest storage = ReadRequest.list().resourceVersion("5").match(Match.EXACT);
    long huge = 10_000_000;
    assertThat(ListWorkEstimator.estimate(v(minor), cache, huge, 50_000, 0)).isEqualTo(10);
    assertThat(ListWorkEstimator.estimate(v(minor), storage, huge, 50_000, 0))
        .isEqualTo(minor <= 33 ? 10 : 100);
  }

  // A metadata.name field selector: RequestInfo.Name is set; 1.34+ estimates 1 object.
  @ParameterizedTest
  @ValueSource(ints = {30, 31, 32, 33, 34, 35, 36})
  void aNameSelectorCostsOneSeatFrom134(int minor) {
    ReadRequest r = ReadRequest.list().resourceVersion("0").namesOne(true);
    assertThat(seats(minor, r)).isEqualTo(minor <= 33 ? 10 : 1);
  }

  // Selectors never reduce the estimate: from etcd stored + limit (≤1.33), max(limited, stored/2).
  @ParameterizedTest
  @ValueSource(ints = {30, 31, 32, 33, 34, 35, 36})
  void selectorsDoNotReduceTheEstimate(int minor) {
    ReadRequest r = ReadRequest.list().limit(500).continueFrom("tok", 7).labelSelector(true);
    // 1.30–1.33 (20,000 + 500) / 100 capped 10; 1.34+ 10,000 × 4 kB / 100 kB = 400, capped 100.
    assertThat(seats(minor, r)).isEqualTo(minor <= 33 ? 10 : 100);
  }

  // Watches: the minimum, unless sendInitialEvents (any version) or, from 1.35, RV "" / "0".
  @ParameterizedTest
  @ValueSource(ints = {30, 31, 32, 33, 34, 35, 36})
  void watchCharges(int minor) {
    assertThat(seats(minor, ReadRequest.watch().resourceVersion("1234"))).isEqualTo(1);
    assertThat(seats(minor, ReadRequest.watch().resourceVersion("0")))
        .isEqualTo(minor >= 35 ? 10 : 1);
    assertThat(seats(minor, ReadRequest.watch())).isEqualTo(minor >= 35 ? 10 : 1);
    assertThat(
            seats(
                minor,
                ReadRequest.watch()
                    .resourceVersion("1234")
                    .match(Match.NOT_OLDER_THAN)
                    .sendInitialEvents(true)))
        .isEqualTo(10);
    assertThat(v(minor).enabled(FeatureGate.WATCH_LIST)).isEqualTo(minor == 32 || minor >= 34);
    ServerVersion overridden = v(minor).with(FeatureGate.LEGACY_WATCH_CHARGED_AS_LIST, false);
    assertThat(ListWorkEstimator.estimate(overridden, ReadRequest.watch(), STORED, AVG, 0))
        .isEqualTo(1);
  }

  // A cache that is not ready: 429 from 1.31 (ResilientWatchCacheInitialization), etcd for a
  // selector-free limited list (shouldDelegateListOnNotReadyCache); 1.30 sends RV "0" to etcd and
  // makes the others wait, then 503.
  @ParameterizedTest
  @ValueSource(ints = {30, 31, 32, 33, 34, 35, 36})
  void notReadyCache(int minor) {
    ServerVersion sv = v(minor);
    Serving rv0 =
        ReadServing.decide(sv, ReadRequest.list().resourceVersion("0"), true, false, true);
    Serving nto =
        ReadServing.decide(sv, ReadRequest.list().resourceVersion("9"), true, false, true);
    Serving limited =
        ReadServing.decide(
            sv, ReadRequest.list().resourceVersion("0").limit(500), true, false, true);
    if (minor == 30) {
      assertThat(rv0.from()).isEqualTo(ETCD);
      assertThat(nto.whenNotReady()).isEqualTo(Serving.WhenNotReady.WAIT_THEN_SERVICE_UNAVAILABLE);
    } else {
      assertThat(rv0.whenNotReady()).isEqualTo(Serving.WhenNotReady.TOO_MANY_REQUESTS);
      assertThat(nto.whenNotReady()).isEqualTo(Serving.WhenNotReady.TOO_MANY_REQUESTS);
      assertThat(limited.from()).isEqualTo(ETCD);
    }
  }

  // Cacher.Get: RV unset reads etcd, any other RV the cache; a GET is 1 seat.
  @ParameterizedTest
  @ValueSource(ints = {30, 31, 32, 33, 34, 35, 36})
  void getsAtANonZeroRvAreServedByTheCache(int minor) {
    assertThat(serve(minor, ReadRequest.get("a")).from()).isEqualTo(ETCD);
    assertThat(serve(minor, ReadRequest.get("a").resourceVersion("0")).from())
        .isEqualTo(WATCH_CACHE);
    assertThat(serve(minor, ReadRequest.get("a").resourceVersion("77")).from())
        .isEqualTo(WATCH_CACHE);
    assertThat(seats(minor, ReadRequest.get("a"))).isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.30", "v1.31.4", "1.36"})
  void versionsParse(String s) {
    assertThat(ServerVersion.of(s).minor()).isBetween(30, 36);
  }
}
