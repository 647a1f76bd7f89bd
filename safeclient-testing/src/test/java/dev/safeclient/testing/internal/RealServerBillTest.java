package dev.safeclient.testing.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RealServerBillTest {
  // Lines as kube-apiserver 1.34 writes them, including an escaped quote in a label value.
  private static final String BEFORE =
      String.join(
          "\n",
          "# HELP apiserver_storage_list_total [ALPHA] Number of list requests, served from etcd.",
          "# TYPE apiserver_storage_list_total counter",
          "apiserver_storage_list_total{group=\"\",resource=\"pods\"} 3",
          "apiserver_storage_list_total{group=\"\",resource=\"configmaps\"} 7",
          "apiserver_storage_list_fetched_objects_total{resource=\"pods\"} 300",
          "apiserver_cache_list_total{index=\"\",resource_prefix=\"/pods\"} 10",
          "apiserver_flowcontrol_work_estimated_seats_sum{flow_schema=\"service-accounts\",priority_level=\"workload-low\"} 12",
          "apiserver_flowcontrol_dispatched_requests_total{flow_schema=\"service-accounts\",priority_level=\"workload-low\"} 10",
          "apiserver_flowcontrol_work_estimated_seats_bucket{flow_schema=\"service-accounts\",priority_level=\"workload-low\",le=\"1\"} 8",
          "apiserver_flowcontrol_work_estimated_seats_bucket{flow_schema=\"service-accounts\",priority_level=\"workload-low\",le=\"2\"} 8",
          "apiserver_flowcontrol_work_estimated_seats_bucket{flow_schema=\"service-accounts\",priority_level=\"workload-low\",le=\"4\"} 9",
          "apiserver_flowcontrol_work_estimated_seats_bucket{flow_schema=\"service-accounts\",priority_level=\"workload-low\",le=\"10\"} 10",
          "apiserver_flowcontrol_work_estimated_seats_bucket{flow_schema=\"service-accounts\",priority_level=\"workload-low\",le=\"+Inf\"} 10",
          "apiserver_flowcontrol_work_estimated_seats_count{flow_schema=\"service-accounts\",priority_level=\"workload-low\"} 10",
          "etcd_request_duration_seconds_count{operation=\"list\",type=\"pods\"} 4",
          "etcd_request_duration_seconds_count{group=\"\",operation=\"get\",resource=\"pods\"} 1",
          "apiserver_watch_cache_initializations_total{group=\"\",resource=\"configmaps\"} 1",
          "apiserver_watch_cache_initializations_total{resource=\"pods\"} 1",
          "apiserver_storage_objects{resource=\"events\"} -1",
          "apiserver_storage_objects{resource=\"deployments.apps\"} 12",
          "weird_total{path=\"a\\\"b\"} 1",
          "process_start_time_seconds 1.7e+09",
          "");

  private static final String AFTER =
      BEFORE
              .replace("resource=\"pods\"} 3", "resource=\"pods\"} 5")
              .replace("{resource=\"pods\"} 300", "{resource=\"pods\"} 500")
              .replace("resource_prefix=\"/pods\"} 10", "resource_prefix=\"/pods\"} 11")
              .replace(
                  "priority_level=\"workload-low\"} 12", "priority_level=\"workload-low\"} 32.5")
              .replace("type=\"pods\"} 4", "type=\"pods\"} 6")
              .replace("le=\"1\"} 8", "le=\"1\"} 9")
              .replace("le=\"2\"} 8", "le=\"2\"} 9")
              .replace("le=\"4\"} 9", "le=\"4\"} 10")
              .replace("le=\"10\"} 10", "le=\"10\"} 12")
              .replace("le=\"+Inf\"} 10", "le=\"+Inf\"} 12")
              .replace(
                  "seats_count{flow_schema=\"service-accounts\",priority_level=\"workload-low\"} 10",
                  "seats_count{flow_schema=\"service-accounts\",priority_level=\"workload-low\"} 12")
              .replace(
                  "initializations_total{group=\"\",resource=\"configmaps\"} 1",
                  "initializations_total{group=\"\",resource=\"configmaps\"} 2")
          + "apiserver_flowcontrol_rejected_requests_total{flow_schema=\"service-accounts\",priority_level=\"workload-low\",reason=\"queue-full\"} 2\n";

  @Test
  void differenceOfTwoSnapshotsBillsWhatHappenedBetween() {
    RealServerBill bill = RealServerBill.parse(AFTER).minus(RealServerBill.parse(BEFORE));

    assertThat(bill.storageLists("pods")).isEqualTo(2);
    assertThat(bill.storageLists("configmaps")).isZero();
    assertThat(bill.etcdObjectsFetched("pods")).isEqualTo(200);
    assertThat(bill.cacheLists("pods")).isEqualTo(1);
    assertThat(bill.seats("workload-low")).isEqualTo(20.5);
    assertThat(bill.dispatched("workload-low")).isZero();
    assertThat(bill.rejected("workload-low")).isEqualTo(2);
    assertThat(bill.etcdRequests("pods", "list")).isEqualTo(2);
    assertThat(bill.etcdRequests("pods", "get")).isZero();
    assertThat(bill.watchCacheInitializations("configmaps")).isEqualTo(1);
    assertThat(bill.watchCacheInitializations("pods")).isZero();
    // Of the 2 estimates between the snapshots, 1 was at most 1 seat and 1 was above 4 (at 10).
    assertThat(bill.estimatesAbove("workload-low", 4)).isEqualTo(1);
    assertThat(bill.estimatesAbove("workload-low", 1)).isEqualTo(1);
    assertThat(bill.estimatesAbove("workload-high", 4)).isZero();
  }

  @Test
  void seriesAreMatchedToTheirResourceUnderEitherReleasesLabels() {
    RealServerBill bill = RealServerBill.parse(BEFORE);

    assertThat(bill.cacheLists("pods")).isEqualTo(10); // 1.30: resource_prefix="/pods"
    assertThat(bill.etcdRequests("pods", "list")).isEqualTo(4); // 1.30: type="pods"
    assertThat(bill.etcdRequests("pods", "get")).isEqualTo(1); // 1.34: resource="pods"
    assertThat(bill.etcdRequests("podtemplates", "list")).isZero();
  }

  @Test
  void storedObjectsIsTheLastCountOrMinusOneWhenItFailed() {
    RealServerBill bill = RealServerBill.parse(BEFORE);

    assertThat(bill.storedObjects("events")).isEqualTo(-1);
    assertThat(bill.storedObjects("deployments")).isEqualTo(12);
    assertThat(bill.storedObjects("pods")).isNaN();
  }

  @Test
  void labelValuesKeepEscapedQuotes() {
    RealServerBill bill = RealServerBill.parse(BEFORE);

    assertThat(bill.sum("weird_total", s -> s.label("path").equals("a\"b"))).isEqualTo(1);
    assertThat(bill.sum("process_start_time_seconds")).isEqualTo(1.7e9);
  }
}
