package dev.safeclient.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Strategic merge patch as the apiserver applies it: k8s.io/apimachinery
 * pkg/util/strategicpatch/patch.go, {@code StrategicMergeMapPatch} with {@code
 * MergeParallelList=true, IgnoreUnmatchedNulls=true}. Method names follow the upstream functions.
 * Lists merge only where the field's {@code patchStrategy} says {@code merge}; every other list is
 * replaced, whatever its {@code +listType}.
 *
 * <p>Errors carry the HTTP code the apiserver answers: {@code interpretStrategicMergePatchError}
 * (apiserver endpoints/handlers/patch.go) makes the format errors 400 and the list-of-lists and
 * retainKeys-content errors 422; every other error of the package is a plain Go error, which {@code
 * ErrorToAPIStatus} answers as a 500.
 */
final class StrategicMergePatch {
  private static final String DIRECTIVE = "$patch";
  private static final String DELETE = "delete";
  private static final String REPLACE = "replace";
  private static final String MERGE = "merge";
  private static final String RETAIN_KEYS = "retainKeys";
  private static final String RETAIN_KEYS_DIRECTIVE = "$retainKeys";
  private static final String DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList";
  private static final String SET_ELEMENT_ORDER = "$setElementOrder";

  /** A patch the apiserver refuses, with the code it answers. */
  static final class PatchError extends RuntimeException {
    final int code;

    PatchError(int code, String message) {
      super(message, null, false, false);
      this.code = code;
    }
  }

  private StrategicMergePatch() {}

  /** The merged object; neither argument is changed. */
  static JsonObject apply(PatchSchema schema, JsonObject original, JsonObject patch) {
    try {
      JsonObject merged = mergeMap(original.deepCopy(), patch.deepCopy(), schema);
      // The merged map is decoded into the Go type (FromUnstructured), which drops keys no field
      // has: directives left where patch.go copies a patch value as is never reach storage.
      stripDirectives(merged);
      return merged;
    } catch (PatchSchema.LookupFailed e) {
      throw new PatchError(500, e.getMessage());
    }
  }

  private static PatchError badRequest(String m) {
    return new PatchError(400, m);
  }

  private static PatchError internal(String m) {
    return new PatchError(500, m);
  }

  // mergepatch.ErrBadPatchFormatFor*: in interpretStrategicMergePatchError's 400 list.
  private static final String BAD_PRIMITIVE_LIST = "invalid patch format of primitive list";
  private static final String BAD_RETAIN_KEYS = "invalid patch format of retainKeys";
  private static final String BAD_SET_ELEMENT_ORDER =
      "invalid patch format of setElementOrder list";

  static JsonObject mergeMap(JsonObject original, JsonObject patch, PatchSchema schema) {
    if (patch.has(DIRECTIVE)) {
      return handleDirectiveInMergeMap(patch.get(DIRECTIVE), patch);
    }
    if (original == null) {
      original = new JsonObject();
    }
    applyRetainKeysDirective(original, patch);
    mergePatchIntoOriginal(original, patch, schema);
    for (String key : new ArrayList<>(patch.keySet())) {
      JsonElement patchV = patch.get(key);
      String k = key;
      boolean isDeleteList = false;
      if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
        k = extractKey(key, DELETE_FROM_PRIMITIVE_LIST, BAD_PRIMITIVE_LIST);
        isDeleteList = true;
      }
      if (patchV.isJsonNull()) {
        original.remove(k);
        continue; // IgnoreUnmatchedNulls
      }
      JsonElement originalV = original.get(k);
      if (originalV == null) {
        if (!isDeleteList) {
          discardNullValuesFromPatch(patchV);
          putWithoutDirectives(original, k, patchV);
        }
        continue;
      }
      if (!sameType(originalV, patchV)) {
        if (!isDeleteList) {
          discardNullValuesFromPatch(patchV);
          putWithoutDirectives(original, k, patchV);
        }
        continue;
      }
      if (originalV.isJsonObject()) {
        PatchSchema.Lookup l = schema.forStruct(k);
        String strategy = extractRetainKeysPatchStrategy(l.strategies());
        original.add(
            k,
            REPLACE.equals(strategy)
                ? patchV
                : mergeMap(originalV.getAsJsonObject(), patchV.getAsJsonObject(), l.schema()));
      } else if (originalV.isJsonArray()) {
        PatchSchema.Lookup l = schema.forSlice(k);
        String strategy = extractRetainKeysPatchStrategy(l.strategies());
        original.add(
            k,
            mergeSliceHandler(
                originalV.getAsJsonArray(),
                patchV.getAsJsonArray(),
                l.schema(),
                strategy,
                l.mergeKey(),
                isDeleteList));
      } else {
        putWithoutDirectives(original, k, patchV);
      }
    }
    return original;
  }

  /** Go's reflect.TypeOf equality on decoded JSON: map, slice, string, bool, int64 or float64. */
  private static boolean sameType(JsonElement a, JsonElement b) {
    if (a.isJsonObject() || b.isJsonObject()) {
      return a.isJsonObject() && b.isJsonObject();
    }
    if (a.isJsonArray() || b.isJsonArray()) {
      return a.isJsonArray() && b.isJsonArray();
    }
    return false; // scalars: the patch value wins either way
  }

  private static void putWithoutDirectives(JsonObject target, String k, JsonElement v) {
    JsonElement kept = removeDirectives(v);
    if (kept == null) {
      target.remove(k);
    } else {
      target.add(k, kept);
    }
  }

  /** {@code handleDirectiveInMergeMap}. */
  private static JsonObject handleDirectiveInMergeMap(JsonElement directive, JsonObject patch) {
    if (isString(directive, REPLACE)) {
      patch.remove(DIRECTIVE);
      return patch;
    }
    if (isString(directive, DELETE)) {
      return new JsonObject();
    }
    throw internal("unknown patch type: " + directive + " in map: " + patch);
  }

  private static boolean isString(JsonElement e, String s) {
    return e != null
        && e.isJsonPrimitive()
        && e.getAsJsonPrimitive().isString()
        && e.getAsString().equals(s);
  }

  /** {@code extractKey}: the field a {@code $prefix/field} directive names. */
  private static String extractKey(String s, String prefix, String error) {
    int slash = s.indexOf('/');
    if (slash < 0 || !s.substring(0, slash).equals(prefix)) {
      throw badRequest(error);
    }
    return s.substring(slash + 1);
  }

  /** {@code applyRetainKeysDirective} (server side: MergeParallelList). */
  private static void applyRetainKeysDirective(JsonObject original, JsonObject patch) {
    JsonElement retain = patch.remove(RETAIN_KEYS_DIRECTIVE);
    if (retain == null) {
      return;
    }
    if (!retain.isJsonArray()) {
      throw badRequest(BAD_RETAIN_KEYS);
    }
    Set<String> keep = new HashSet<>();
    for (JsonElement v : retain.getAsJsonArray()) {
      if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isString()) {
        keep.add(v.getAsString());
      }
    }
    for (Map.Entry<String, JsonElement> e : patch.entrySet()) {
      String k = e.getKey();
      if (e.getValue().isJsonNull()
          || k.startsWith(DELETE_FROM_PRIMITIVE_LIST)
          || k.startsWith(SET_ELEMENT_ORDER)) {
        continue;
      }
      if (!keep.contains(k)) {
        throw badRequest(BAD_RETAIN_KEYS);
      }
    }
    original.keySet().removeIf(k -> !keep.contains(k));
  }

  /** {@code mergePatchIntoOriginal}: each {@code $setElementOrder/field} with its list. */
  private static void mergePatchIntoOriginal(
      JsonObject original, JsonObject patch, PatchSchema schema) {
    for (String key : new ArrayList<>(patch.keySet())) {
      if (!key.startsWith(SET_ELEMENT_ORDER)) {
        continue;
      }
      JsonElement order = patch.remove(key);
      if (!order.isJsonArray()) {
        throw internal(badArgType("[]interface {}", order));
      }
      JsonArray setOrder = order.getAsJsonArray();
      String field = extractKey(key, SET_ELEMENT_ORDER, BAD_SET_ELEMENT_ORDER);
      JsonElement originalList = original.get(field);
      JsonElement patchList = patch.get(field);
      if (originalList != null && !originalList.isJsonArray()) {
        throw internal(badArgType("[]interface {}", originalList));
      }
      if (patchList != null && !patchList.isJsonArray()) {
        throw internal(badArgType("[]interface {}", patchList));
      }
      JsonArray originalValue = originalList == null ? new JsonArray() : (JsonArray) originalList;
      JsonArray patchValue = patchList == null ? new JsonArray() : (JsonArray) patchList;
      PatchSchema.Lookup l = schema.forSlice(field);
      String strategy = extractRetainKeysPatchStrategy(l.strategies());
      validatePatchWithSetOrderList(patchValue, setOrder, l.mergeKey());
      JsonArray merged;
      if (originalList != null && patchList == null) {
        merged = originalValue;
      } else if (originalList == null && patchList != null) {
        merged = (JsonArray) removeDirectives(patchValue.deepCopy());
      } else if (originalList != null) {
        merged =
            mergeSliceHandler(
                originalValue.deepCopy(),
                patchValue.deepCopy(),
                l.schema(),
                strategy,
                l.mergeKey(),
                false);
      } else {
        continue;
      }
      List<JsonElement> patchItems = new ArrayList<>();
      List<JsonElement> serverOnly = new ArrayList<>();
      partition(merged, setOrder, l.mergeKey(), patchItems, serverOnly);
      boolean maps = elementsAreMaps(originalValue, patchValue);
      original.add(
          field,
          normalizeElementOrder(
              patchItems, serverOnly, list(setOrder), list(originalValue), l.mergeKey(), maps));
      patch.remove(field);
    }
  }

  /** {@code validatePatchWithSetOrderList}. */
  private static void validatePatchWithSetOrderList(
      JsonArray patchList, JsonArray setOrder, String mergeKey) {
    if (setOrder.isEmpty() || patchList.isEmpty()) {
      return;
    }
    List<JsonElement> nonDelete = new ArrayList<>();
    if (!mergeKey.isEmpty()) {
      extractToDeleteItems(list(patchList), nonDelete, new ArrayList<>());
    } else {
      nonDelete.addAll(list(patchList));
    }
    int p = 0;
    int s = 0;
    while (p < nonDelete.size() && s < setOrder.size()) {
      if (nonDelete.get(p).isJsonObject() && nonDelete.get(p).getAsJsonObject().has(DIRECTIVE)) {
        p++;
        continue;
      }
      if (mergeKeyValueEqual(nonDelete.get(p), setOrder.get(s), mergeKey)) {
        p++;
      }
      s++;
    }
    if (p < nonDelete.size() && s >= setOrder.size()) {
      throw internal(
          "The order in patch list:\n"
              + patchList
              + "\n doesn't match "
              + SET_ELEMENT_ORDER
              + " list:\n"
              + setOrder
              + "\n");
    }
  }

  private static boolean mergeKeyValueEqual(JsonElement l, JsonElement r, String mergeKey) {
    if (mergeKey.isEmpty()) {
      return l.equals(r);
    }
    if (!l.isJsonObject()) {
      throw internal(badArgType("map[string]interface {}", l));
    }
    if (!r.isJsonObject()) {
      throw internal(badArgType("map[string]interface {}", r));
    }
    JsonElement lv = l.getAsJsonObject().get(mergeKey);
    if (lv == null) {
      throw internal(noMergeKey(l, mergeKey));
    }
    JsonElement rv = r.getAsJsonObject().get(mergeKey);
    if (rv == null) {
      throw internal(noMergeKey(r, mergeKey));
    }
    return lv.equals(rv);
  }

  /**
   * {@code mergeSliceHandler}: merge where the strategy says so (or a deletion list), else replace.
   */
  private static JsonArray mergeSliceHandler(
      JsonArray original,
      JsonArray patch,
      PatchSchema schema,
      String strategy,
      String mergeKey,
      boolean isDeleteList) {
    if (MERGE.equals(strategy) || isDeleteList) {
      return mergeSlice(original, patch, schema, mergeKey, isDeleteList);
    }
    return patch;
  }

  /** {@code mergeSlice}. */
  private static JsonArray mergeSlice(
      JsonArray original,
      JsonArray patch,
      PatchSchema schema,
      String mergeKey,
      boolean isDeleteList) {
    if (original.isEmpty() && patch.isEmpty()) {
      return original;
    }
    boolean maps = elementsAreMaps(original, patch);
    List<JsonElement> serverOrder = list(original);
    List<JsonElement> patchOrder = list(patch);
    List<JsonElement> merged;
    if (!maps) {
      if (isDeleteList) {
        return deleteFromSlice(original, patch);
      }
      Set<JsonElement> both = new LinkedHashSet<>(serverOrder);
      both.addAll(patchOrder);
      merged = new ArrayList<>(both);
    } else {
      if (mergeKey.isEmpty()) {
        throw internal("cannot merge lists without merge key for " + schema.name());
      }
      // mergeSliceWithSpecialElements
      List<JsonElement> withoutSpecial = new ArrayList<>();
      boolean replace = false;
      for (JsonElement v : patchOrder) {
        JsonObject m = v.getAsJsonObject();
        JsonElement type = m.get(DIRECTIVE);
        if (type == null) {
          withoutSpecial.add(v);
        } else if (isString(type, DELETE)) {
          JsonElement value = m.get(mergeKey);
          if (value == null) {
            throw internal(noMergeKey(m, mergeKey));
          }
          serverOrder.removeIf(o -> value.equals(mergeKeyValue(o, mergeKey)));
        } else if (isString(type, REPLACE)) {
          replace = true;
        } else if (isString(type, MERGE)) {
          throw internal("merging lists cannot yet be specified in the patch");
        } else {
          throw internal("unknown patch type: " + type + " in map: " + m);
        }
      }
      if (replace) {
        serverOrder = withoutSpecial;
        patchOrder = List.of();
      } else {
        patchOrder = withoutSpecial;
      }
      // mergeSliceWithoutSpecialElements
      merged = new ArrayList<>(serverOrder);
      for (JsonElement v : patchOrder) {
        JsonObject m = v.getAsJsonObject();
        JsonElement value = m.get(mergeKey);
        if (value == null) {
          throw internal(noMergeKey(m, mergeKey));
        }
        int at = indexOfKey(merged, mergeKey, value);
        if (at >= 0) {
          merged.set(at, mergeMap(merged.get(at).getAsJsonObject(), m, schema));
        } else {
          merged.add(v);
        }
      }
    }
    List<JsonElement> patchItems = new ArrayList<>();
    List<JsonElement> serverOnly = new ArrayList<>();
    JsonArray patchNow = new JsonArray();
    patchOrder.forEach(patchNow::add);
    partition(toArray(merged), patchNow, mergeKey, patchItems, serverOnly);
    return normalizeElementOrder(patchItems, serverOnly, patchOrder, serverOrder, mergeKey, maps);
  }

  private static JsonElement mergeKeyValue(JsonElement item, String mergeKey) {
    return item.isJsonObject() ? item.getAsJsonObject().get(mergeKey) : null;
  }

  /** {@code findMapInSliceBasedOnKeyValue}: the index, or -1. */
  private static int indexOfKey(List<JsonElement> l, String key, JsonElement value) {
    for (int i = 0; i < l.size(); i++) {
      if (!l.get(i).isJsonObject()) {
        throw internal("value for key " + i + " is not a map");
      }
      if (value.equals(l.get(i).getAsJsonObject().get(key))) {
        return i;
      }
    }
    return -1;
  }

  /** {@code deleteFromSlice}: the parallel {@code $deleteFromPrimitiveList} list. */
  private static JsonArray deleteFromSlice(JsonArray current, JsonArray toDelete) {
    Set<JsonElement> gone = new HashSet<>(list(toDelete));
    JsonArray out = new JsonArray();
    for (JsonElement v : current) {
      if (!gone.contains(v)) {
        out.add(v);
      }
    }
    return out;
  }

  /**
   * {@code sliceElementType}: whether the elements are maps; all must be of one type and none a
   * list.
   */
  private static boolean elementsAreMaps(JsonArray a, JsonArray b) {
    String type = null;
    for (JsonArray s : List.of(a, b)) {
      for (JsonElement v : s) {
        String t = goType(v);
        if (type == null) {
          type = t;
          if (t.equals("slice")) {
            // mergepatch.ErrNoListOfLists: 422 in interpretStrategicMergePatchError.
            throw new PatchError(422, "lists of lists are not supported");
          }
        } else if (!type.equals(t)) {
          throw internal("list element types are not identical: [" + a + " " + b + "]");
        }
      }
    }
    if (type == null) {
      throw internal("no elements in any of the given slices");
    }
    return type.equals("map");
  }

  private static String goType(JsonElement v) {
    if (v.isJsonObject()) {
      return "map";
    }
    if (v.isJsonArray()) {
      return "slice";
    }
    if (v.isJsonNull()) {
      return "nil";
    }
    if (v.getAsJsonPrimitive().isString()) {
      return "string";
    }
    if (v.getAsJsonPrimitive().isBoolean()) {
      return "bool";
    }
    // UnmarshalCaseSensitivePreserveInts: integers are int64, the rest float64.
    String n = v.getAsString();
    return n.contains(".") || n.contains("e") || n.contains("E") ? "float64" : "int64";
  }

  /** {@code partitionPrimitivesByPresentInList} / {@code partitionMapsByPresentInList}. */
  private static void partition(
      JsonArray merged,
      JsonArray by,
      String mergeKey,
      List<JsonElement> present,
      List<JsonElement> absent) {
    if (mergeKey.isEmpty()) {
      Set<JsonElement> in = new HashSet<>(list(by));
      for (JsonElement v : merged) {
        (in.contains(v) ? present : absent).add(v);
      }
      return;
    }
    for (JsonElement v : merged) {
      if (!v.isJsonObject()) {
        throw internal(badArgType("map[string]interface {}", v));
      }
      JsonElement value = v.getAsJsonObject().get(mergeKey);
      if (value == null) {
        throw internal(noMergeKey(v, mergeKey));
      }
      (indexOfKey(list(by), mergeKey, value) >= 0 ? present : absent).add(v);
    }
  }

  /** {@code normalizeElementOrder}. */
  private static JsonArray normalizeElementOrder(
      List<JsonElement> patch,
      List<JsonElement> serverOnly,
      List<JsonElement> patchOrder,
      List<JsonElement> serverOrder,
      String mergeKey,
      boolean maps) {
    List<JsonElement> p = normalizeSliceOrder(patch, patchOrder, mergeKey, maps);
    List<JsonElement> s = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, maps);
    return toArray(mergeSortedSlice(s, p, serverOrder, mergeKey, maps));
  }

  /** {@code mergeSortedSlice}: server-only items inserted among the patch items. */
  private static List<JsonElement> mergeSortedSlice(
      List<JsonElement> left,
      List<JsonElement> right,
      List<JsonElement> serverOrder,
      String mergeKey,
      boolean maps) {
    List<JsonElement> out = new ArrayList<>(left.size() + right.size());
    int i = 0;
    int j = 0;
    while (i < left.size() || j < right.size()) {
      if (i >= left.size()) {
        out.add(right.get(j++));
      } else if (j >= right.size()) {
        out.add(left.get(i++));
      } else {
        int li = index(serverOrder, left.get(i), mergeKey, maps);
        int ri = index(serverOrder, right.get(j), mergeKey, maps);
        if (li >= 0 && ri >= 0 && li < ri) {
          out.add(left.get(i++));
        } else {
          out.add(right.get(j++));
        }
      }
    }
    return out;
  }

  /** {@code index}: by merge key value for maps, by value otherwise. */
  private static int index(List<JsonElement> l, JsonElement v, String mergeKey, boolean maps) {
    JsonElement want = maps ? mergeKeyValue(v, mergeKey) : v;
    for (int i = 0; i < l.size(); i++) {
      JsonElement have = maps ? mergeKeyValue(l.get(i), mergeKey) : l.get(i);
      if (want == null ? have == null : want.equals(have)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * {@code normalizeSliceOrder}: sorted by {@code order}, deletions last. Go sorts with
   * sort.SliceStable and a comparator that calls an item missing from {@code order} "less"; this
   * insertion sort is what SliceStable runs on up to 20 items, and the same order wherever every
   * item is in {@code order}.
   */
  private static List<JsonElement> normalizeSliceOrder(
      List<JsonElement> toSort, List<JsonElement> order, String mergeKey, boolean maps) {
    List<JsonElement> sorted = new ArrayList<>(toSort);
    List<JsonElement> toDelete = new ArrayList<>();
    if (maps) {
      validateMergeKeyInLists(mergeKey, sorted);
      validateMergeKeyInLists(mergeKey, order);
      List<JsonElement> keep = new ArrayList<>();
      extractToDeleteItems(sorted, keep, toDelete);
      sorted = keep;
    }
    for (int i = 1; i < sorted.size(); i++) {
      for (int j = i; j > 0 && less(sorted.get(j), sorted.get(j - 1), order, mergeKey, maps); j--) {
        JsonElement t = sorted.get(j);
        sorted.set(j, sorted.get(j - 1));
        sorted.set(j - 1, t);
      }
    }
    sorted.addAll(toDelete);
    return sorted;
  }

  private static boolean less(
      JsonElement a, JsonElement b, List<JsonElement> order, String mergeKey, boolean maps) {
    int ia = index(order, a, mergeKey, maps);
    if (ia >= 0) {
      int ib = index(order, b, mergeKey, maps);
      if (ib >= 0) {
        return ia < ib;
      }
    }
    return true;
  }

  /** {@code validateMergeKeyInLists}. */
  private static void validateMergeKeyInLists(String mergeKey, List<JsonElement> l) {
    for (JsonElement v : l) {
      if (!v.isJsonObject()) {
        throw internal(badArgType("map[string]interface {}", v));
      }
      if (!v.getAsJsonObject().has(mergeKey)) {
        throw internal(noMergeKey(v, mergeKey));
      }
    }
  }

  /** {@code extractToDeleteItems}. */
  private static void extractToDeleteItems(
      List<JsonElement> l, List<JsonElement> keep, List<JsonElement> toDelete) {
    for (JsonElement v : l) {
      if (!v.isJsonObject()) {
        throw internal(badArgType("map[string]interface {}", v));
      }
      (isString(v.getAsJsonObject().get(DIRECTIVE), DELETE) ? toDelete : keep).add(v);
    }
  }

  /** {@code extractRetainKeysPatchStrategy}: the strategy besides {@code retainKeys}. */
  private static String extractRetainKeysPatchStrategy(List<String> strategies) {
    switch (strategies.size()) {
      case 0:
        return "";
      case 1:
        return strategies.get(0).equals(RETAIN_KEYS) ? "" : strategies.get(0);
      case 2:
        if (strategies.get(0).equals(RETAIN_KEYS)) {
          return strategies.get(1);
        }
        if (strategies.get(1).equals(RETAIN_KEYS)) {
          return strategies.get(0);
        }
        throw internal("unexpected patch strategy: " + strategies);
      default:
        throw internal("unexpected patch strategy: " + strategies);
    }
  }

  /** {@code removeDirectives}: null if the value itself is a directive and must go. */
  private static JsonElement removeDirectives(JsonElement v) {
    if (v.isJsonObject()) {
      JsonObject o = v.getAsJsonObject();
      if (o.has(DIRECTIVE)) {
        return null;
      }
      for (String k : new ArrayList<>(o.keySet())) {
        JsonElement kept = removeDirectives(o.get(k));
        if (kept == null) {
          o.remove(k);
        } else {
          o.add(k, kept);
        }
      }
      return o;
    }
    if (v.isJsonArray()) {
      JsonArray out = new JsonArray();
      for (JsonElement e : v.getAsJsonArray()) {
        JsonElement kept = removeDirectives(e);
        if (kept != null) {
          out.add(kept);
        }
      }
      return out;
    }
    return v;
  }

  /** {@code discardNullValuesFromPatch}. */
  private static void discardNullValuesFromPatch(JsonElement v) {
    if (v.isJsonObject()) {
      JsonObject o = v.getAsJsonObject();
      o.entrySet().removeIf(e -> e.getValue().isJsonNull());
      o.entrySet().forEach(e -> discardNullValuesFromPatch(e.getValue()));
    } else if (v.isJsonArray()) {
      v.getAsJsonArray().forEach(StrategicMergePatch::discardNullValuesFromPatch);
    }
  }

  private static void stripDirectives(JsonElement v) {
    if (v.isJsonObject()) {
      JsonObject o = v.getAsJsonObject();
      o.keySet()
          .removeIf(
              k ->
                  k.equals(DIRECTIVE)
                      || k.equals(RETAIN_KEYS_DIRECTIVE)
                      || k.startsWith(SET_ELEMENT_ORDER + "/")
                      || k.startsWith(DELETE_FROM_PRIMITIVE_LIST + "/"));
      o.entrySet().forEach(e -> stripDirectives(e.getValue()));
    } else if (v.isJsonArray()) {
      v.getAsJsonArray().forEach(StrategicMergePatch::stripDirectives);
    }
  }

  private static List<JsonElement> list(JsonArray a) {
    List<JsonElement> out = new ArrayList<>(a.size());
    a.forEach(out::add);
    return out;
  }

  private static JsonArray toArray(List<JsonElement> l) {
    JsonArray out = new JsonArray(l.size());
    l.forEach(e -> out.add(e == null ? JsonNull.INSTANCE : e));
    return out;
  }

  private static String noMergeKey(JsonElement m, String k) {
    return "map: " + m + " does not contain declared merge key: " + k;
  }

  private static String badArgType(String expected, JsonElement actual) {
    String type =
        actual.isJsonObject()
            ? "map[string]interface {}"
            : actual.isJsonArray() ? "[]interface {}" : goType(actual);
    return "expected a " + expected + ", but received a " + type;
  }
}
