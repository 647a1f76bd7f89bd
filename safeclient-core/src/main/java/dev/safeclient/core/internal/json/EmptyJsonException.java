package dev.safeclient.core.internal.json;

import java.io.EOFException;

/** The input held no JSON value at all: an empty body where an object was due. */
final class EmptyJsonException extends EOFException {
  EmptyJsonException() {
    super("no JSON value: the input is empty");
  }
}
