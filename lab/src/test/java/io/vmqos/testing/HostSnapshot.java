package io.vmqos.testing;

import io.vmqos.core.net.KernelThread;
import io.vmqos.lab.LabNetwork;
import io.vmqos.linux.LinuxThreadScheduler;
import io.vmqos.linux.ProcFs;
import io.vmqos.linux.net.IpRoute;
import io.vmqos.linux.net.KernelThreads;
import io.vmqos.linux.net.LinkShaper;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;

/**
 * Everything vmqos can change on a lab host, as one comparable text: every thread of the given QEMU processes
 * (policy and parameters, CPUs allowed, cpuset), the NAPI settings and NAPI threads of the lab's veth ends, the
 * qdiscs of every tap and veth end and the ifb devices, vmqos's cpusets and the root cpuset's load balancing, every
 * IRQ's affinity. The tests that compare the host before and after (apply/release, crashes) share it.
 */
public final class HostSnapshot {
    private static final LinuxThreadScheduler SCHED = new LinuxThreadScheduler();
    private static final ProcFs PROC = new ProcFs();
    private static final IpRoute IP = IpRoute.system();

    private HostSnapshot() {}

    /** The snapshot for QEMU processes {@code pids} on lab network {@code net}. */
    public static String take(LabNetwork net, List<Long> pids) {
        StringBuilder b = new StringBuilder();
        for (long pid : pids) {
            for (int tid : PROC.threadsOf((int) pid)) {
                String comm = PROC.comm(tid).orElse("?");
                if (!comm.startsWith("CPU ") && tid != pid && !comm.startsWith("IO ")) continue; // QEMU's pool workers come and go
                try {
                    b.append("thread ").append(comm).append(' ').append(SCHED.get(tid).describe()).append(" cpus ")
                            .append(PROC.cpusAllowed(tid).orElse("?")).append(" cpuset ").append(PROC.cpuset(tid).orElse("?")).append('\n');
                } catch (RuntimeException gone) {
                    // exited while read
                }
            }
        }
        for (String[] d : new String[][] {{net.bridgeNamespace(), net.bridgeVeth()}, {net.clientNamespace(), net.clientVeth()}}) {
            b.append(d[1]).append(" threaded=").append(IP.readSys(d[0], "/sys/class/net/" + d[1] + "/threaded"));
            var k = IP.ethtoolJson(d[0], "-k", d[1]).path(0);
            b.append(" gro=").append(k.path("generic-receive-offload").path("active").asBoolean());
            b.append(" tso=").append(k.path("tcp-segmentation-offload").path("active").asBoolean()).append('\n');
            for (KernelThread t : new KernelThreads().napiThreads(d[1])) {
                try {
                    b.append("  ").append(t.comm()).append(' ').append(SCHED.get(t.pid()).describe()).append(" cpus ")
                            .append(PROC.cpusAllowed(t.pid()).orElse("?")).append('\n');
                } catch (RuntimeException gone) {
                    // NAPI turned off meanwhile
                }
            }
        }
        LinkShaper shaper = new LinkShaper(IP);
        for (String tap : net.taps()) b.append(tap).append(" qdiscs ").append(shaper.qdiscs(tap, net.bridgeNamespace())).append('\n');
        b.append(net.bridgeVeth()).append(" qdiscs ").append(shaper.qdiscs(net.bridgeVeth(), net.bridgeNamespace())).append('\n');
        b.append(net.clientVeth()).append(" qdiscs ").append(shaper.qdiscs(net.clientVeth(), net.clientNamespace())).append('\n');
        b.append("ifbs ").append(IP.ipJson(net.bridgeNamespace(), "link", "show", "type", "ifb").findValuesAsText("ifname")).append('\n');
        b.append(cpusets()).append(irqs());
        return b.toString();
    }

    /** vmqos's cpusets and the root cpuset's {@code sched_load_balance} (cgroup v1). */
    public static String cpusets() {
        Path root = Path.of("/sys/fs/cgroup/cpuset");
        if (!Files.isDirectory(root)) return "no cpuset hierarchy\n";
        StringBuilder b = new StringBuilder();
        try {
            b.append("cpuset / sched_load_balance=").append(Files.readString(root.resolve("cpuset.sched_load_balance")).strip()).append('\n');
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, p -> p.getFileName().toString().startsWith("vmqos"))) {
                for (Path p : ds) b.append("cpuset ").append(p.getFileName()).append(" cpus ").append(Files.readString(p.resolve("cpuset.cpus")).strip()).append('\n');
            }
        } catch (IOException e) {
            b.append("cpusets unreadable: ").append(e.getMessage()).append('\n');
        }
        return b.toString();
    }

    /** Every IRQ's {@code smp_affinity_list}. */
    public static String irqs() {
        TreeMap<Integer, String> m = new TreeMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc/irq"))) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!n.chars().allMatch(Character::isDigit)) continue;
                try {
                    m.put(Integer.parseInt(n), Files.readString(p.resolve("smp_affinity_list")).strip());
                } catch (IOException ignored) {
                    // an IRQ without affinity file
                }
            }
        } catch (IOException e) {
            return "irqs unreadable\n";
        }
        return "irqs " + m + "\n";
    }
}
