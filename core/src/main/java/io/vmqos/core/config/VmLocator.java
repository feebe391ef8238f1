package io.vmqos.core.config;

import io.vmqos.core.InvalidInputException;

/** How to find a running QEMU VM: exactly one of its QMP socket, its pid, or its libvirt domain name. */
public sealed interface VmLocator {
    /** The QEMU monitor socket ({@code -qmp unix:PATH,server=on,wait=off}); absolute path. */
    record Qmp(String path) implements VmLocator {
        public Qmp {
            if (path == null || path.isBlank()) throw new InvalidInputException("qmp", "is empty", "give the QMP socket path");
        }
        @Override public String describe() { return "qmp " + path; }
    }

    /** The QEMU process id (needs {@code -name NAME,debug-threads=on}). */
    record Pid(int pid) implements VmLocator {
        public Pid {
            if (pid <= 0) throw new InvalidInputException("pid", "must be positive, got " + pid, "give QEMU's pid");
        }
        @Override public String describe() { return "pid " + pid; }
    }

    /** A libvirt (qemu:///system) domain name. */
    record Domain(String name) implements VmLocator {
        public Domain {
            if (name == null || name.isBlank()) throw new InvalidInputException("domain", "is empty", "give the name shown by virsh list");
        }
        @Override public String describe() { return "domain " + name; }
    }

    /** For people: {@code qmp /run/web1.qmp}, {@code pid 1234}, {@code domain web1}. */
    String describe();
}
