package io.vmqos.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmqos.core.InvalidInputException;
import io.vmqos.core.vm.ThreadRole;
import io.vmqos.core.vm.VmThread;
import io.vmqos.core.vm.VmThreads;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Finds the threads of a QEMU VM and their roles ({@link VmThreads}), three ways:
 *
 * <ul>
 *   <li>{@link #viaQmp(Path)}: vCPUs from {@code query-cpus-fast}, iothreads from {@code query-iothreads}, the
 *       name from {@code query-name}; the pid is the qemu process holding the socket (via /proc/net/unix and
 *       /proc/PID/fd), else the Tgid of a vCPU thread. Works with or without {@code debug-threads}.</li>
 *   <li>{@link #viaProc(int)}: from thread names in /proc, which needs QEMU started with
 *       {@code -name NAME,debug-threads=on} (libvirt does this). Iothread ids longer than 12 characters appear
 *       truncated (the kernel keeps 15 characters of {@code IO <id>}).</li>
 *   <li>{@link #viaLibvirtDomain(String)}: the pid from libvirt's pidfile, then as {@link #viaProc(int)}.</li>
 * </ul>
 *
 * <p>In every case the main loop is the main thread (tid == pid); vhost workers are the threads named
 * {@code vhost-<pid>}, both inside the QEMU process (kernel &ge; 6.4) and as separate kernel threads (older
 * kernels); all remaining threads of the process are {@link ThreadRole#OTHER}. Each call is a fresh, read-only
 * snapshot; any thread may call these methods (they share no state). Needs read access to /proc/PID/exe, i.e.
 * root or the QEMU process's user.
 */
public final class VmDiscovery {

    /** Where libvirt's system daemon keeps {@code NAME.pid} for running QEMU domains. */
    public static final List<Path> LIBVIRT_PID_DIRS = List.of(Path.of("/run/libvirt/qemu"), Path.of("/var/run/libvirt/qemu"));

    private static final String QMP_HINT = "discover through QMP instead (--qmp SOCKET; QEMU option "
            + "-qmp unix:PATH,server=on,wait=off)";

    private VmDiscovery() {}

    /** Connects to the QMP socket with the default timeout, discovers, disconnects. See {@link #viaQmp(QmpClient)}. */
    public static VmThreads viaQmp(Path socket) {
        return viaQmp(socket, QmpClient.DEFAULT_TIMEOUT_MILLIS);
    }

    /** As {@link #viaQmp(Path)} with a timeout in ms for connecting and for each command. */
    public static VmThreads viaQmp(Path socket, long timeoutMillis) {
        try (QmpClient client = QmpClient.connect(socket, timeoutMillis)) {
            return viaQmp(client);
        }
    }

    /**
     * Discovers through an open client (left open). Runs {@code query-cpus-fast}, {@code query-iothreads} and
     * {@code query-name}.
     *
     * @throws QmpException                      the QMP exchange failed
     * @throws VmDiscoveryException.Inconsistent the QMP thread ids are not threads of the process found
     *                                           (QEMU in another PID namespace)
     * @throws VmDiscoveryException.NotQemu      the socket's owner is not QEMU
     */
    public static VmThreads viaQmp(QmpClient client) {
        return viaQmp(client, ProcView.system());
    }

    /**
     * The QEMU process serving the QMP socket at {@code socket} in this network namespace, if any (nothing listens on a
     * socket file its QEMU left behind); {@code hint} (the owner found last time) is checked first, which costs one fd
     * scan instead of every qemu process's. Read-only; any thread.
     */
    public static OptionalInt qmpSocketOwner(Path socket, OptionalInt hint) { return SocketOwner.find(ProcView.system(), socket, hint); }

    /**
     * A VM found by its QMP socket, read from {@code /proc} when its QEMU names its threads ({@code -name
     * ...,debug-threads=on}, as libvirt starts it): no monitor round trip, so it is quicker, leaves the monitor to its
     * other clients, and works while QEMU is still starting (its monitor answers only once its main loop runs; before
     * that, a QEMU without vCPU threads yet is {@link VmDiscoveryException.NoThreadNames still starting}). Through QMP
     * otherwise, or when no qemu process in this namespace holds the socket.
     *
     * @param hint the socket's owner found last time, checked first
     */
    public static VmThreads viaQmpSocket(Path socket, OptionalInt hint) {
        ProcView proc = ProcView.system();
        OptionalInt owner = SocketOwner.find(proc, socket, hint);
        if (owner.isPresent() && QemuCommandLine.parse(proc.cmdline(owner.getAsInt())).debugThreads()) {
            return viaProc(owner.getAsInt(), proc, null);
        }
        return viaQmp(socket);
    }

    /**
     * Discovers from /proc thread names of a running QEMU.
     *
     * @param pid the QEMU process id
     * @throws VmDiscoveryException.NoSuchProcess no such process
     * @throws VmDiscoveryException.NotQemu       the process is not QEMU
     * @throws VmDiscoveryException.NoThreadNames QEMU runs without {@code debug-threads=on}
     */
    public static VmThreads viaProc(int pid) {
        return viaProc(pid, ProcView.system(), null);
    }

    /**
     * Discovers a running libvirt (qemu:///system) domain: its pid from {@code /run/libvirt/qemu/NAME.pid} (or
     * /var/run/...), then as {@link #viaProc(int)}; the VM name is the domain name.
     *
     * @throws VmDiscoveryException.NoSuchDomain no pidfile, or a stale one
     * @throws InvalidInputException             the name cannot be a domain name (empty, contains '/')
     */
    public static VmThreads viaLibvirtDomain(String domain) {
        return viaLibvirtDomain(domain, LIBVIRT_PID_DIRS, ProcView.system());
    }

    /**
     * Refuses a pid that is not a QEMU process: its executable, comm or argv[0] must start with
     * {@code qemu-system} or {@code qemu-kvm}.
     *
     * @throws VmDiscoveryException.NoSuchProcess no such process
     * @throws VmDiscoveryException.NotQemu       another program
     */
    public static void requireQemu(int pid) {
        requireQemu(pid, ProcView.system());
    }

    // ---- implementation (package-private overloads take a fake /proc in tests) ----

    static VmThreads viaQmp(QmpClient client, ProcView proc) {
        JsonNode cpus = client.execute("query-cpus-fast");
        JsonNode iothreads = client.execute("query-iothreads");
        String name = client.execute("query-name").path("name").asText("");

        Threads t = new Threads();
        for (JsonNode cpu : cpus) {
            int tid = cpu.path("thread-id").asInt(0);
            int index = cpu.path("cpu-index").asInt(-1);
            // Single-threaded TCG reports one thread for all vCPUs: keep it once, under the lowest index.
            if (tid > 0 && index >= 0) t.putVcpuIfAbsent(tid, index);
        }
        for (JsonNode io : iothreads) {
            int tid = io.path("thread-id").asInt(0);
            if (tid > 0) t.putIfAbsent(tid, ThreadRole.IOTHREAD, "iothread " + io.path("id").asText("?"));
        }

        int pid = findQmpPid(client, proc, t);
        requireQemu(pid, proc);
        for (int tid : t.tids()) {
            if (!proc.hasTask(pid, tid)) {
                throw new VmDiscoveryException.Inconsistent("QMP at " + client.socket() + " reports thread " + tid
                        + " (" + t.name(tid) + "), but QEMU process " + pid + " has no such thread: QEMU runs in "
                        + "another PID namespace (container), or threads changed",
                        "run vmqos in QEMU's PID namespace, or discover by host pid with --pid (QEMU needs "
                                + "-name NAME,debug-threads=on)");
            }
        }
        for (int tid : proc.tasks(pid)) {
            if (tid == pid) t.put(tid, ThreadRole.MAIN_LOOP, "main-loop");
            else if (t.has(tid)) continue;
            else {
                String comm = proc.taskComm(pid, tid);
                if (comm.equals(ThreadNames.vhostName(pid))) t.put(tid, ThreadRole.VHOST, comm);
                else t.put(tid, ThreadRole.OTHER, comm);
            }
        }
        addKernelVhostThreads(proc, pid, t);
        return t.build(pid, name, VmThreads.Source.QMP);
    }

    private static int findQmpPid(QmpClient client, ProcView proc, Threads t) {
        OptionalInt owner = SocketOwner.find(proc, client.socket());
        if (owner.isPresent()) return owner.getAsInt();
        for (int tid : t.tids()) {
            OptionalInt tgid = proc.tgid(tid);
            if (tgid.isPresent()) return tgid.getAsInt();
        }
        throw new VmDiscoveryException.Inconsistent("cannot find the QEMU process behind " + client.socket()
                + ": no qemu process holds the socket in this network namespace and the vCPU thread ids "
                + java.util.Arrays.toString(t.tids()) + " from QMP are not in /proc",
                "pass the QEMU pid with --pid (QEMU needs -name NAME,debug-threads=on)");
    }

    static VmThreads viaProc(int pid, ProcView proc, String nameOverride) {
        requireQemu(pid, proc);
        QemuCommandLine cmd = QemuCommandLine.parse(proc.cmdline(pid));
        Threads t = new Threads();
        String vhost = ThreadNames.vhostName(pid);
        String anyComm = "";
        for (int tid : proc.tasks(pid)) {
            String comm = proc.taskComm(pid, tid);
            if (comm.isEmpty()) continue; // exited while we looked
            if (tid == pid) {
                t.put(tid, ThreadRole.MAIN_LOOP, "main-loop");
                anyComm = comm;
                continue;
            }
            int cpu = ThreadNames.vcpuIndex(comm);
            String io;
            if (cpu >= 0) t.putVcpuIfAbsent(tid, cpu);
            else if ((io = ThreadNames.iothreadId(comm)) != null) t.put(tid, ThreadRole.IOTHREAD, "iothread " + io);
            else if (comm.equals(vhost)) t.put(tid, ThreadRole.VHOST, comm);
            else t.put(tid, ThreadRole.OTHER, comm);
        }
        if (!t.has(pid)) {
            throw new VmDiscoveryException.NoSuchProcess(pid, "QEMU process " + pid + " exited during discovery",
                    "check that the VM is running");
        }
        if (t.vcpuCount() == 0) {
            String who = "QEMU process " + pid + (cmd.name().isEmpty() ? "" : " (" + cmd.name() + ")");
            if (!cmd.debugThreads()) {
                throw new VmDiscoveryException.NoThreadNames(pid, who + " runs without -name ...,debug-threads=on: "
                        + "its threads are all named '" + anyComm + "', so vCPU and IO threads cannot be told apart "
                        + "from /proc", "start QEMU with -name NAME,debug-threads=on (libvirt does), or " + QMP_HINT);
            }
            throw new VmDiscoveryException.NoThreadNames(pid, who + " has debug-threads=on but no thread named "
                    + "'CPU n/...' yet (still starting?)", "retry once the VM is up, or " + QMP_HINT);
        }
        addKernelVhostThreads(proc, pid, t);
        return t.build(pid, nameOverride != null ? nameOverride : cmd.name(), VmThreads.Source.PROC);
    }

    static VmThreads viaLibvirtDomain(String domain, List<Path> pidDirs, ProcView proc) {
        if (domain == null || domain.isBlank() || domain.contains("/") || domain.indexOf('\0') >= 0
                || domain.equals(".") || domain.equals("..")) {
            throw new InvalidInputException("domain", "'" + domain + "' is not a libvirt domain name",
                    "pass the name shown by `virsh list`");
        }
        for (Path dir : pidDirs) {
            Path pidfile = dir.resolve(domain + ".pid");
            String text;
            try {
                text = Files.readString(pidfile, StandardCharsets.US_ASCII).trim();
            } catch (IOException e) {
                continue;
            }
            int pid;
            try {
                pid = Integer.parseInt(text);
            } catch (NumberFormatException e) {
                throw new VmDiscoveryException.NoSuchDomain(domain, "libvirt pidfile " + pidfile + " holds '"
                        + text + "', not a pid", "check `virsh domstate " + domain + "`, or pass --pid", e);
            }
            if (pid <= 0 || !proc.exists(pid)) {
                throw new VmDiscoveryException.NoSuchDomain(domain, "libvirt pidfile " + pidfile + " names pid "
                        + pid + ", which is not running (stale pidfile: domain shut off?)",
                        "start the domain (`virsh start " + domain + "`) or pass --pid", null);
            }
            return viaProc(pid, proc, domain);
        }
        throw new VmDiscoveryException.NoSuchDomain(domain, "no running libvirt domain '" + domain
                + "': no " + domain + ".pid in " + pidDirs, "check `virsh -c qemu:///system list` (session domains "
                + "are not supported: pass --pid or --qmp)", null);
    }

    static void requireQemu(int pid, ProcView proc) {
        if (pid <= 0 || !proc.exists(pid)) {
            throw new VmDiscoveryException.NoSuchProcess(pid, "no process with pid " + pid,
                    "pass the pid of a running qemu-system-* process (pgrep -a qemu)");
        }
        Optional<String> exe = proc.exe(pid);
        String comm = proc.comm(pid);
        List<String> argv = proc.cmdline(pid);
        String argv0 = argv.isEmpty() ? "" : argv.getFirst();
        if (looksLikeQemu(exe.orElse("")) || looksLikeQemu(comm) || looksLikeQemu(argv0)) return;
        throw new VmDiscoveryException.NotQemu(pid, "process " + pid + " is not QEMU: comm '" + comm + "', exe "
                + exe.orElse("(unreadable)") + (argv0.isEmpty() ? "" : ", argv[0] " + argv0),
                "pass the pid of the qemu-system-* process (pgrep -a qemu), or use --domain NAME or --qmp SOCKET");
    }

    private static boolean looksLikeQemu(String pathOrName) {
        String base = pathOrName.substring(pathOrName.lastIndexOf('/') + 1);
        return base.startsWith("qemu-system") || base.startsWith("qemu-kvm");
    }

    private static void addKernelVhostThreads(ProcView proc, int pid, Threads t) {
        // Before Linux 6.4 vhost workers are kernel threads (children of kthreadd) named vhost-<owner pid>; since,
        // they are threads of QEMU's process (vhost_task), found with the others: no walk of every process then.
        if (proc.kernelAtLeast(6, 4)) return;
        String vhost = ThreadNames.vhostName(pid);
        for (int p : proc.pids()) {
            if (p != pid && !t.has(p) && proc.comm(p).equals(vhost)) t.put(p, ThreadRole.VHOST, vhost);
        }
    }

    /** Accumulates tid -> (role, name, cpu index); assigns the per-role indexes at build time. */
    private static final class Threads {
        private record Entry(ThreadRole role, String name, int cpuIndex) {}

        private final Map<Integer, Entry> byTid = new HashMap<>();
        private final Map<Integer, Integer> tidByCpu = new HashMap<>();

        boolean has(int tid) { return byTid.containsKey(tid); }

        String name(int tid) { return byTid.get(tid).name(); }

        int vcpuCount() { return tidByCpu.size(); }

        int[] tids() { return byTid.keySet().stream().mapToInt(Integer::intValue).sorted().toArray(); }

        void put(int tid, ThreadRole role, String name) { byTid.put(tid, new Entry(role, name, -1)); }

        void putIfAbsent(int tid, ThreadRole role, String name) {
            byTid.putIfAbsent(tid, new Entry(role, name, -1));
        }

        void putVcpuIfAbsent(int tid, int cpuIndex) {
            Entry old = byTid.get(tid);
            if (old != null && old.role() == ThreadRole.VCPU && old.cpuIndex() <= cpuIndex) return;
            if (old != null && old.role() == ThreadRole.VCPU) tidByCpu.remove(old.cpuIndex());
            if (tidByCpu.containsKey(cpuIndex)) return;
            byTid.put(tid, new Entry(ThreadRole.VCPU, "vcpu" + cpuIndex, cpuIndex));
            tidByCpu.put(cpuIndex, tid);
        }

        VmThreads build(int pid, String name, VmThreads.Source source) {
            int[] next = new int[ThreadRole.values().length];
            List<VmThread> out = new ArrayList<>(byTid.size());
            for (int tid : tids()) {
                Entry e = byTid.get(tid);
                int index = e.role() == ThreadRole.VCPU ? e.cpuIndex() : next[e.role().ordinal()]++;
                out.add(new VmThread(tid, e.role(), e.name(), index));
            }
            return new VmThreads(pid, name, source, out);
        }
    }
}
