package dev.safeclient.core.internal.rules;

import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.internal.request.KubeRequest;
import dev.safeclient.core.internal.request.Verb;

/**
 * SC104: a user WATCH without {@code allowWatchBookmarks=true}. Without bookmarks a restarted watch
 * resumes from an old resourceVersion and is likely to get 410 and relist. Warn only: adding them
 * would deliver BOOKMARK events to code not written for them. STRICT rejects.
 */
public final class WatchWithoutBookmarksRule implements RequestRule {
  public static final String ID = "SC104";

  @Override
  public String id() {
    return ID;
  }

  @Override
  public boolean rejectsInStrict() {
    return true;
  }

  @Override
  public String check(KubeRequest k, SafetyMode mode) {
    if (k.verb() != Verb.WATCH || k.flag("allowWatchBookmarks")) {
      return null;
    }
    return "WATCH without allowWatchBookmarks=true: a restart resumes from a stale resourceVersion"
        + " and tends to relist; set it and ignore BOOKMARK events, or use an informer";
  }
}
