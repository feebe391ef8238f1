package io.vmqos.core.vm;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The threads of one QEMU VM, as discovered (through QMP or procfs, by the qemu adapter): an immutable snapshot
 * (threads may come and go afterwards, e.g. thread-pool workers; vCPU, iothread and main-loop threads live as long as the VM).
 *
 * @param pid     the QEMU process id (host PID namespace)
 * @param name    the VM name from {@code -name} (or the libvirt domain name); empty when QEMU has none
 * @param source  how the threads were found
 * @param threads every thread, sorted by role (enum order) then index; tids are unique
 */
public record VmThreads(int pid, String name, Source source, List<VmThread> threads) {

    /** How a {@link VmThreads} was discovered. */
    public enum Source { QMP, PROC }

    private static final Comparator<VmThread> ORDER =
            Comparator.comparing(VmThread::role).thenComparingInt(VmThread::index).thenComparingInt(VmThread::tid);

    public VmThreads {
        if (pid <= 0) throw new IllegalArgumentException("pid must be > 0, got " + pid);
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        List<VmThread> sorted = new ArrayList<>(threads);
        sorted.sort(ORDER);
        threads = List.copyOf(sorted);
    }

    /** The threads with the given role, in index order (empty list if none). */
    public List<VmThread> of(ThreadRole role) {
        List<VmThread> out = new ArrayList<>();
        for (VmThread t : threads) if (t.role() == role) out.add(t);
        return List.copyOf(out);
    }

    /** All roles with their threads (every role present as a key, possibly with an empty list). */
    public Map<ThreadRole, List<VmThread>> byRole() {
        Map<ThreadRole, List<VmThread>> map = new EnumMap<>(ThreadRole.class);
        for (ThreadRole r : ThreadRole.values()) map.put(r, of(r));
        return map;
    }

    public List<VmThread> vcpus() { return of(ThreadRole.VCPU); }
    public List<VmThread> iothreads() { return of(ThreadRole.IOTHREAD); }
    public List<VmThread> vhosts() { return of(ThreadRole.VHOST); }

    /** The main-loop thread (tid == pid). */
    public VmThread mainLoop() {
        for (VmThread t : threads) if (t.role() == ThreadRole.MAIN_LOOP) return t;
        throw new IllegalStateException("no main-loop thread for pid " + pid);
    }

    /** The thread ids with the given role, in index order. */
    public int[] tids(ThreadRole role) {
        return of(role).stream().mapToInt(VmThread::tid).toArray();
    }
}
