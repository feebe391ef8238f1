package io.vmqos.core.vm;

import java.util.Objects;

/**
 * One thread of a QEMU VM.
 *
 * @param tid   the Linux thread id (as seen from this host's PID namespace), &gt; 0
 * @param role  what the thread does
 * @param name  a readable name: {@code vcpu0}, {@code iothread io1}, {@code main-loop}, {@code vhost-1234},
 *              or the thread's {@code comm} for {@link ThreadRole#OTHER}
 * @param index the role-specific index: the cpu-index for {@link ThreadRole#VCPU}; for the other roles the
 *              position within that role in ascending tid order, starting at 0
 */
public record VmThread(int tid, ThreadRole role, String name, int index) {
    public VmThread {
        if (tid <= 0) throw new IllegalArgumentException("tid must be > 0, got " + tid);
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(name, "name");
        if (index < 0) throw new IllegalArgumentException("index must be >= 0, got " + index);
    }
}
