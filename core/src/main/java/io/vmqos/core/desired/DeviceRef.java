package io.vmqos.core.desired;

import java.util.Comparator;
import java.util.Objects;

/**
 * A network device by name and the named network namespace it lives in ({@code ns} null: the host's own).
 * Names are unique within a namespace, so this is a device's identity on the host.
 */
public record DeviceRef(String name, String ns) implements Comparable<DeviceRef> {
    private static final Comparator<DeviceRef> ORDER =
            Comparator.comparing((DeviceRef d) -> d.ns == null ? "" : d.ns).thenComparing(DeviceRef::name);

    public DeviceRef {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("device name is empty");
    }

    @Override public int compareTo(DeviceRef o) { return ORDER.compare(this, o); }

    /** {@code tap0} or {@code tap0 in netns NS}, for people. */
    public String describe() { return ns == null ? name : name + " in netns " + ns; }

    public boolean sameAs(String otherName, String otherNs) { return name.equals(otherName) && Objects.equals(ns, otherNs); }
}
