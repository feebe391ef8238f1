package io.vmqos.linux.net;

import io.vmqos.core.net.KernelThread;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Finds packet-carrying kernel threads by scanning {@code /proc/PID/comm}. Kernel threads live in the init pid
 * namespace whatever network namespace their device is in, so this reads the caller's {@code /proc} directly (the
 * caller must be in the init pid namespace, as vmqos on a host is).
 *
 * <p>Matching respects the kernel's 15-character {@code comm} limit (TASK_COMM_LEN 16): {@code napi/DEV-ID} for a
 * 10+ character device name is cut, e.g. {@code napi/vqnetveth0-} or {@code napi/vqnetlongna}. A cut name still
 * matches the device whose full name it is a prefix of; two devices sharing their first 10 characters cannot be
 * told apart this way (the netdev netlink family's {@code napi-get} would, but iproute2 6.1 does not speak it).
 * Only true kernel threads (PF_KTHREAD in {@code /proc/PID/stat}) are returned, so a user process named like one
 * cannot fool it. Thread-safe; each call rescans.
 */
public final class KernelThreads {
    static final int COMM_MAX = 15;
    private static final long PF_KTHREAD = 0x00200000L;

    private final Path proc;

    public KernelThreads() { this(Path.of("/proc")); }

    /** @param proc a procfs root; tests point it at a fake tree */
    public KernelThreads(Path proc) { this.proc = proc; }

    /** The {@code napi/DEV-ID} threads of {@code device}, by pid. */
    public List<KernelThread> napiThreads(String device) {
        List<KernelThread> out = new ArrayList<>();
        for (KernelThread t : all()) if (isNapiThreadOf(t.comm(), device)) out.add(t);
        return out;
    }

    /** The handler thread {@code irq/N-NAME} of interrupt {@code irq}, if the kernel runs it threaded. */
    public Optional<KernelThread> irqThread(int irq) {
        String prefix = "irq/" + irq + "-";
        // irq/N-s-NAME is the secondary (forced-threading) thread; prefer the primary but accept either.
        return all().stream().filter(t -> t.comm().startsWith(prefix))
                .min(Comparator.comparing((KernelThread t) -> t.comm().startsWith(prefix + "s-")).thenComparingInt(KernelThread::pid));
    }

    /** True when {@code comm} is (the kernel's truncation of) {@code napi/DEVICE-<digits>}. */
    static boolean isNapiThreadOf(String comm, String device) {
        String prefix = "napi/" + device + "-";
        // Kernels since 6.13 or so show a kthread's full name in comm; older ones cut it to 15 characters.
        if (comm.length() > prefix.length() && comm.startsWith(prefix)) return allDigits(comm.substring(prefix.length()));
        if (prefix.length() >= COMM_MAX) return comm.equals(prefix.substring(0, COMM_MAX));
        if (!comm.startsWith(prefix)) return false;
        String id = comm.substring(prefix.length());
        if (id.isEmpty()) return comm.length() == COMM_MAX; // the id itself was cut off
        for (int i = 0; i < id.length(); i++) if (!Character.isDigit(id.charAt(i))) return false;
        return true;
    }

    private static boolean allDigits(String s) {
        for (int i = 0; i < s.length(); i++) if (!Character.isDigit(s.charAt(i))) return false;
        return !s.isEmpty();
    }

    /** Every kernel thread, by pid. */
    List<KernelThread> all() {
        List<KernelThread> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(proc)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.isEmpty() || !Character.isDigit(name.charAt(0))) continue;
                try {
                    if (!isKernelThread(p)) continue;
                    String comm = Files.readString(p.resolve("comm")).strip();
                    out.add(new KernelThread(Integer.parseInt(name), comm));
                } catch (IOException | RuntimeException gone) {
                    // the process exited while we looked
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot list " + proc, e);
        }
        out.sort(Comparator.comparingInt(KernelThread::pid));
        return out;
    }

    private static boolean isKernelThread(Path pidDir) throws IOException {
        Path stat = pidDir.resolve("stat");
        if (!Files.exists(stat)) return true; // fake trees in tests carry only comm
        String s = Files.readString(stat);
        // comm in parentheses may hold spaces: fields start after the last ')'
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        // after ')' : state(3) ppid(4) pgrp(5) session(6) tty_nr(7) tpgid(8) flags(9)
        long flags = Long.parseLong(f[6]);
        return (flags & PF_KTHREAD) != 0;
    }
}
