package io.vmqos.qemu;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * An asynchronous QMP event, e.g. {@code SHUTDOWN}, {@code STOP}, {@code RESUME}.
 *
 * @param name            the event name
 * @param data            the event's {@code data} member (a missing node if the event has none)
 * @param timestampMicros QEMU's timestamp in microseconds since the Unix epoch (-1 if absent)
 */
public record QmpEvent(String name, JsonNode data, long timestampMicros) {}
