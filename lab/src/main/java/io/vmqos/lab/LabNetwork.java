package io.vmqos.lab;

import io.vmqos.core.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The lab topology, entirely inside two network namespaces it creates (no traffic leaves them):
 * <pre>
 *   vqlab-ID-cli                          vqlab-ID-br
 *   vqc-ID 10.213.N.1/24  &lt;-- veth --&gt;  vqb-ID --[br0]-- tap0 (VM 0, guest 10.213.N.2)
 *                                                      \-- tap1 (VM 1, guest 10.213.N.3) ...
 * </pre>
 * Both veth ends have GRO on and threaded NAPI on (kernel threads "napi/vqc-ID-K", "napi/vqb-ID-K"), so the
 * host packet path has schedulable threads. Taps are added with {@link #addTap()}; QEMU must run inside
 * {@link #bridgeNamespace()} (VmSpec.netns) to open them. IPv6 is disabled in both namespaces to keep
 * neighbour discovery noise out of latency figures.
 *
 * <p>Running code in the client namespace: {@link #commandInNamespace} wraps a command in
 * {@code ip netns exec} (child process, e.g. ping); {@link NetnsSockets} opens Java sockets inside it from this
 * JVM (setns on a short-lived thread), which is what the load generator should use.
 *
 * <p>{@link #close()} deletes both namespaces, which deletes every device in them; idempotent, thread-safe,
 * also run by the {@link Cleanup} hook. Close the VMs first (QEMU holds the taps open).
 */
public final class LabNetwork implements AutoCloseable {
    private static final Pattern ID = Pattern.compile("[a-z0-9]{1,8}");
    private static final Duration T = Duration.ofSeconds(30);

    private final String id;
    private final int subnet;
    private final String brNs, cliNs, bridgeVeth, clientVeth;
    private final List<String> taps = new ArrayList<>();
    private final Cleanup.Registration registration;
    private boolean closed;

    private LabNetwork(String id, int subnet) {
        this.id = id;
        this.subnet = subnet;
        this.brNs = "vqlab-" + id + "-br";
        this.cliNs = "vqlab-" + id + "-cli";
        this.bridgeVeth = "vqb-" + id;
        this.clientVeth = "vqc-" + id;
        this.registration = Cleanup.register("lab network " + id, this);
    }

    /**
     * Creates the namespaces, bridge and veth pair for lab {@code id} ([a-z0-9]{1,8}) on 10.213.{@code subnet}.0/24.
     * Throws {@link LabSetupException} (after removing what it made) if a namespace of that name already exists
     * or a step fails.
     */
    public static LabNetwork create(String id, int subnet) {
        if (id == null || !ID.matcher(id).matches()) throw new InvalidInputException("lab.id", "'" + id + "' is not [a-z0-9]{1,8}", "use a short lower-case id");
        if (subnet < 0 || subnet > 255) throw new InvalidInputException("lab.subnet", subnet + " is out of range", "use 0..255 (10.213.N.0/24)");
        Packages.requireTool("ip", "iproute2");
        Packages.requireTool("ethtool", "ethtool");
        for (String ns : List.of("vqlab-" + id + "-br", "vqlab-" + id + "-cli")) {
            if (Files.exists(Path.of("/run/netns", ns))) {
                throw new LabSetupException("network namespace " + ns + " already exists (another lab or a crashed run)",
                        "pick another lab id, or remove it: ip netns del " + ns);
            }
        }
        LabNetwork n = new LabNetwork(id, subnet);
        try {
            n.setUp();
        } catch (RuntimeException e) {
            n.close();
            throw e;
        }
        return n;
    }

    private void setUp() {
        ip("netns", "add", brNs);
        ip("netns", "add", cliNs);
        for (String ns : List.of(brNs, cliNs)) {
            ip("-n", ns, "link", "set", "lo", "up");
            NetnsExec.sh(ns, "echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6; echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6");
        }
        ip("-n", brNs, "link", "add", "br0", "type", "bridge");
        ip("-n", brNs, "link", "add", bridgeVeth, "type", "veth", "peer", "name", clientVeth, "netns", cliNs);
        ip("-n", brNs, "link", "set", bridgeVeth, "master", "br0");
        ip("-n", cliNs, "addr", "add", clientIp() + "/24", "dev", clientVeth);
        for (String[] end : new String[][] {{brNs, bridgeVeth}, {cliNs, clientVeth}}) {
            // veth only runs NAPI (and so can thread it) with GRO on.
            Commands.check(NetnsExec.commandInNamespace(end[0], List.of("ethtool", "-K", end[1], "gro", "on")), T);
            ip("-n", end[0], "link", "set", end[1], "up");
            NetnsExec.sh(end[0], "echo 1 > /sys/class/net/" + end[1] + "/threaded");
        }
        ip("-n", brNs, "link", "set", "br0", "up");
    }

    /** Adds tap{@code k} (k = number of taps so far) to br0, up; returns its name. The k-th VM uses {@link #guestCidr(int)}. */
    public synchronized String addTap() {
        if (closed) throw new IllegalStateException("lab network " + id + " is closed");
        if (taps.size() >= 200) throw new InvalidInputException("lab.taps", "too many taps", "use at most 200 VMs per lab");
        String tap = "tap" + taps.size();
        ip("-n", brNs, "tuntap", "add", "dev", tap, "mode", "tap");
        taps.add(tap);
        ip("-n", brNs, "link", "set", tap, "master", "br0");
        ip("-n", brNs, "link", "set", tap, "up");
        return tap;
    }

    public String id() { return id; }
    /** Namespace with br0, the taps and the bridge-side veth end; QEMU runs here. */
    public String bridgeNamespace() { return brNs; }
    /** Namespace with the client veth end and address; load generators send from here. */
    public String clientNamespace() { return cliNs; }
    public String bridgeVeth() { return bridgeVeth; }
    public String clientVeth() { return clientVeth; }
    public synchronized List<String> taps() { return List.copyOf(taps); }
    /** "10.213.N.1" */
    public String clientIp() { return "10.213." + subnet + ".1"; }
    /** Address of the k-th VM's guest, "10.213.N.(2+k)". */
    public String guestIp(int k) { return "10.213." + subnet + "." + (2 + k); }
    /** {@link #guestIp(int)} with "/24", for VmSpec.guestCidr. */
    public String guestCidr(int k) { return guestIp(k) + "/24"; }

    /** Adds a tap and returns a VmSpec for the next VM on it (name "vqlab-ID-vmK"), ready for {@link VmLauncher}. */
    public VmSpec nextVm(GuestImage image) {
        String tap = addTap();
        int k = Integer.parseInt(tap.substring(3));
        return VmSpec.of("vqlab-" + id + "-vm" + k, image, guestCidr(k), tap, brNs);
    }

    /** {@code cmd} wrapped to run inside {@code ns} ({@code ip netns exec ns ...}). */
    public static List<String> commandInNamespace(String ns, List<String> cmd) {
        return NetnsExec.commandInNamespace(ns, cmd);
    }

    /** Whether threaded NAPI is on for {@code dev} in {@code ns} (reads /sys/class/net/DEV/threaded). */
    public static boolean threadedNapi(String ns, String dev) {
        return NetnsExec.sh(ns, "cat /sys/class/net/" + dev + "/threaded").strip().equals("1");
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        List<String> errors = new ArrayList<>();
        for (String ns : List.of(cliNs, brNs)) {
            if (!Files.exists(Path.of("/run/netns", ns))) continue;
            Commands.Result r = Commands.run(List.of("ip", "netns", "del", ns), T);
            if (!r.ok()) errors.add(ns + ": " + r.stderr().strip());
        }
        registration.unregister();
        if (!errors.isEmpty()) {
            throw new LabSetupException("could not delete namespaces " + errors, "ip netns del <name> by hand");
        }
    }

    private static void ip(String... args) {
        List<String> cmd = new ArrayList<>(args.length + 1);
        cmd.add("ip");
        cmd.addAll(List.of(args));
        Commands.check(cmd, T);
    }
}
