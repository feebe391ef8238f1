package io.vmqos.linux.net;

import io.vmqos.core.net.ShapingSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * Per-VM link shaping with tc HTB, applied and removed transactionally.
 *
 * <h2>Why HTB</h2>
 * A VM's SLA is a guaranteed rate plus a bounded burst, with the option to use idle capacity up to a cap: exactly
 * HTB's {@code rate}/{@code ceil}/{@code burst}. HTB is a classful shaper, so one qdisc on a shared device gives each
 * VM its own class and token bucket with borrowing between them; TBF (one bucket, classless) cannot share, HFSC
 * (built for decoupled delay and rate curves) is harder to reason about and not built on every kernel (it is not on
 * the dev machine), and a policer drops instead of queueing, which makes TCP saw-tooth well below the rate. HTB
 * adds one qdisc lock per device; at the per-tap level that lock is not shared between VMs.
 *
 * <h2>Directions</h2>
 * The tap's <b>egress</b> is traffic towards the VM (host → VM): {@link #shapeEgress} puts
 * {@code htb default 10} at the tap's root with class {@code 1:1} (rate = ceil = the VM's ceil, the VM's whole
 * link) and the VM's class {@code 1:10} under it ({@code rate}, {@code ceil}, {@code burst}/{@code cburst}), plus
 * an optional leaf qdisc (e.g. fq_codel) under 1:10.
 * <p>The tap's <b>ingress</b> (VM → host) cannot be queued on the tap itself. {@link #shapeIngress} creates an
 * {@code ifb} device per VM ({@code vqi<tap ifindex>}), an {@code ingress} qdisc on the tap with a u32 match-all
 * filter {@code action mirred egress redirect dev IFB}, and the same HTB tree on the ifb's egress. This shapes
 * (queues, so TCP keeps its rate) rather than polices, and works on kernels without {@code act_police} (like the
 * dev machine, which has ifb, mirred and u32 but neither police nor matchall). A policer (ingress qdisc + police) is
 * cheaper (no extra device, no second qdisc pass) but drops, so it only suits a hard cap where TCP efficiency does
 * not matter. Alternatively a VM's upload can be bounded where it leaves the host: {@link #shapeShared} on the
 * uplink classifies by the VM's source MAC.
 *
 * <h2>Shared devices</h2>
 * {@link #shapeShared} puts one HTB on a device several VMs use (bridge uplink, veth): class {@code 1:1} holds the
 * link's capacity, each VM gets {@code 1:(10+i)} under it with its rate/ceil, and a u32 filter matching the VM's
 * MAC ({@code match ether src|dst}) steers its packets there (u32 rather than flower: u32 is built into every
 * kernel that has tc, flower is not on the dev machine). Unmatched traffic (host, ARP, other VMs) goes HTB's
 * direct path, unshaped.
 *
 * <h2>Transactions</h2>
 * Before changing a device vmqos snapshots {@code tc -j qdisc show dev X}. It only takes over a device whose root
 * qdisc is the kernel's default (handle {@code 0:}; noqueue, pfifo_fast, mq, noop on a down device), because
 * deleting the root then brings that default back exactly; a device with someone else's qdisc is refused untouched.
 * On a failure midway, and on {@link #remove}, it deletes its root qdisc and re-reads the qdiscs: the
 * {@link ShapingException} says whether the device equals its snapshot again.
 *
 * <p>Not thread-safe per device: one caller per device at a time. Calls on different devices are independent.
 */
public final class LinkShaper implements Shaper {
    /** HTB minor of the per-tap VM class; also the {@code default} so all of the tap's traffic lands in it. */
    public static final int TAP_CLASS_MINOR = 0x10;
    /** Class id of the per-tap VM class. */
    public static final String TAP_CLASS_ID = "1:10";

    private final IpRoute ip;

    public LinkShaper(IpRoute ip) { this.ip = ip; }

    public static LinkShaper system() { return new LinkShaper(IpRoute.system()); }

    /**
     * Shapes traffic leaving {@code device} (for a VM: its tap, i.e. host → VM) to {@code spec}.
     *
     * @param vm the VM's name, for messages
     * @throws ShapingException when refused or failed; {@link ShapingException#rolledBack()} tells whether the device
     *     was verified back to its prior state
     */
    @Override
    public ShapedLink shapeEgress(String device, String ns, String vm, ShapingSpec spec) {
        return apply(device, ns, "VM " + vm, egressSteps(device, spec), List.of(TAP_CLASS_ID), null);
    }

    /**
     * Shapes traffic entering {@code tap} from the VM (VM → host) to {@code spec} through an ifb mirror; the
     * classes ({@link #TAP_CLASS_ID} under 1:1) live on the ifb, see {@link ShapedLink#shapedDevice()}.
     *
     * @throws ShapingException when the tap already has an ingress/clsact qdisc, or a step failed (rolled back:
     *     ingress qdisc and ifb removed)
     */
    @Override
    public ShapedLink shapeIngress(String tap, String ns, String vm, ShapingSpec spec) {
        String ifb = ifbName(tap, ns);
        if (ip.ipJson(ns, "link", "show", "type", "ifb").findValuesAsText("ifname").contains(ifb)) {
            throw new ShapingException(tap, "ifb device " + ifb + Namespaces.describe(ns) + " for tap " + tap
                    + " already exists (left over from an earlier run?); nothing was changed",
                    "delete it: ip " + Namespaces.ipPrefix(ns) + "link del " + ifb, true, null);
        }
        List<String[]> steps = new ArrayList<>();
        steps.add(new String[]{"ip", "link", "add", ifb, "type", "ifb"});
        steps.add(new String[]{"ip", "link", "set", ifb, "up"});
        steps.add(new String[]{"tc", "qdisc", "add", "dev", tap, "handle", "ffff:", "ingress"});
        steps.add(new String[]{"tc", "filter", "add", "dev", tap, "parent", "ffff:", "protocol", "all", "prio", "1",
                "u32", "match", "u32", "0", "0", "action", "mirred", "egress", "redirect", "dev", ifb});
        steps.addAll(egressSteps(ifb, spec));
        return apply(tap, ns, "VM " + vm + " (ingress via " + ifb + ")", steps, List.of(TAP_CLASS_ID), ifb);
    }

    private static List<String[]> egressSteps(String device, ShapingSpec spec) {
        String id = TAP_CLASS_ID;
        List<String[]> steps = new ArrayList<>();
        steps.add(new String[]{"tc", "qdisc", "replace", "dev", device, "root", "handle", "1:", "htb", "default",
                Integer.toHexString(TAP_CLASS_MINOR)});
        steps.add(htbClass(device, "1:", "1:1", spec.ceilBits(), spec.ceilBits(), spec.burstBytes()));
        steps.add(htbClass(device, "1:1", id, spec.rateBits(), spec.ceilBits(), spec.burstBytes()));
        spec.leafQdisc().ifPresent(leaf -> steps.add(leafStep(device, id, TAP_CLASS_MINOR, leaf)));
        return steps;
    }

    /**
     * Shapes a device several VMs share: one class per VM under a parent of {@code linkCeilBits}, each VM's packets
     * selected by its MAC. {@code matchSource} true matches the source MAC (traffic from the VM, e.g. on the uplink),
     * false the destination MAC (traffic to the VM).
     */
    public ShapedLink shapeShared(String device, String ns, long linkCeilBits, List<VmShare> shares, boolean matchSource) {
        if (shares.isEmpty()) throw new io.vmqos.core.InvalidInputException("shares", "is empty", "give at least one VM");
        if (shares.size() > 0xfff0 - 0x10) throw new io.vmqos.core.InvalidInputException("shares", "too many VMs", "split the device");
        long burst = shares.stream().mapToLong(s -> s.spec().burstBytes()).max().orElse(ShapingSpec.MIN_BURST_BYTES);
        List<String[]> steps = new ArrayList<>();
        steps.add(new String[]{"tc", "qdisc", "replace", "dev", device, "root", "handle", "1:", "htb"});
        steps.add(htbClass(device, "1:", "1:1", linkCeilBits, linkCeilBits, burst));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < shares.size(); i++) {
            VmShare s = shares.get(i);
            int minor = 0x10 + i;
            String id = "1:" + Integer.toHexString(minor);
            ids.add(id);
            steps.add(htbClass(device, "1:1", id, s.spec().rateBits(), Math.min(s.spec().ceilBits(), linkCeilBits),
                    s.spec().burstBytes()));
            int m = minor;
            s.spec().leafQdisc().ifPresent(leaf -> steps.add(leafStep(device, id, m, leaf)));
            steps.add(new String[]{"tc", "filter", "add", "dev", device, "parent", "1:", "protocol", "all", "prio", "1",
                    "u32", "match", "ether", matchSource ? "src" : "dst", s.mac().toLowerCase(java.util.Locale.ROOT),
                    "flowid", id});
        }
        return apply(device, ns, shares.size() + " VMs", steps, ids, null);
    }

    /**
     * Removes vmqos's shaping from the device and checks it is back to the snapshot. Idempotent: removing twice is
     * harmless.
     *
     * @throws ShapingException when the device's qdiscs differ from the snapshot afterwards
     */
    @Override
    public void remove(ShapedLink link) {
        boolean ingress = link.ifb().isPresent();
        List<QdiscState> now = part(restore(link.device(), link.ns(), link.ifb().orElse(null)), ingress);
        if (!now.equals(part(link.before(), ingress))) {
            throw new ShapingException(link.device(), "after removing shaping, " + link.device() + Namespaces.describe(link.ns())
                    + " has qdiscs " + now + " instead of " + link.before(),
                    "inspect with 'tc " + Namespaces.ipPrefix(link.ns()) + "qdisc show dev " + link.device()
                            + "' and delete leftovers (tc qdisc del dev " + link.device() + " root)", false, null);
        }
    }

    /** Current counters and class configuration of {@code device}. */
    /** {@code vqi<tap ifindex>}: the ifb {@link #shapeIngress} creates for the tap. */
    @Override
    public String ifbName(String tap, String ns) {
        return "vqi" + ip.ipJson(ns, "link", "show", "dev", tap).path(0).path("ifindex").asInt();
    }

    @Override
    public ShapingStats stats(String device, String ns) { return ShapingStats.read(ip, device, ns); }

    /** The device's qdiscs as configuration (counters dropped), for before/after comparisons. */
    @Override
    public List<QdiscState> qdiscs(String device, String ns) {
        return QdiscState.of(ip.tcJson(ns, "qdisc", "show", "dev", device));
    }

    private ShapedLink apply(String device, String ns, String who, List<String[]> steps, List<String> ids, String ifb) {
        List<QdiscState> before = qdiscs(device, ns);
        for (QdiscState q : before) {
            boolean clash = ifb == null ? q.isRoot() && !q.isKernelDefault() : q.isIngress();
            if (clash) {
                throw new ShapingException(device, device + Namespaces.describe(ns) + " already has a "
                        + (ifb == null ? "root" : "ingress") + " qdisc " + q.kind() + " " + q.handle()
                        + " that vmqos did not create; nothing was changed",
                        "remove it (tc " + Namespaces.ipPrefix(ns) + "qdisc del dev " + device + (ifb == null ? " root" : " ingress")
                                + ") if it is stale, or leave this device unshaped", true, null);
            }
        }
        int done = 0;
        try {
            for (String[] step : steps) {
                String[] args = java.util.Arrays.copyOfRange(step, 1, step.length);
                if (step[0].equals("ip")) ip.ip(ns, args);
                else ip.tc(ns, args);
                done++;
            }
        } catch (NetException e) {
            List<QdiscState> after;
            try {
                after = restore(device, ns, ifb);
            } catch (NetException again) {
                e.addSuppressed(again);
                after = null;
            }
            boolean back = after != null && part(before, ifb != null).equals(part(after, ifb != null));
            String[] s = steps.get(done);
            String failed = s[0] + " " + Namespaces.ipPrefix(ns) + String.join(" ", java.util.Arrays.copyOfRange(s, 1, s.length));
            throw new ShapingException(device, "shaping " + who + " on " + device + Namespaces.describe(ns)
                    + " failed at step " + (done + 1) + "/" + steps.size() + " (" + failed + "): " + e.getMessage()
                    + (back ? "; rolled back, the device is as before" : "; ROLLBACK INCOMPLETE, qdiscs now " + after
                    + " instead of " + before),
                    back ? e.fix() : "delete the leftovers: tc " + Namespaces.ipPrefix(ns) + "qdisc del dev " + device
                            + (ifb == null ? " root" : " ingress; ip " + Namespaces.ipPrefix(ns) + "link del " + ifb),
                    back, e);
        }
        return new ShapedLink(device, ns, before, ids, java.util.Optional.ofNullable(ifb));
    }

    /**
     * Undoes vmqos's shaping and returns the device's qdiscs now. Egress: deletes the root qdisc (the kernel
     * re-attaches its default). Ingress: deletes the tap's ingress qdisc and the ifb (which takes its HTB along).
     * Idempotent.
     */
    private List<QdiscState> restore(String device, String ns, String ifb) {
        List<QdiscState> now = qdiscs(device, ns);
        if (ifb == null) {
            if (now.stream().anyMatch(q -> q.isRoot() && !q.isKernelDefault())) ip.tc(ns, "qdisc", "del", "dev", device, "root");
        } else {
            if (now.stream().anyMatch(QdiscState::isIngress)) ip.tc(ns, "qdisc", "del", "dev", device, "ingress");
            if (!ip.ipJson(ns, "link", "show", "type", "ifb").findValuesAsText("ifname").contains(ifb)) return qdiscs(device, ns);
            ip.ip(ns, "link", "del", ifb);
        }
        return qdiscs(device, ns);
    }

    /** The side of a device's qdiscs a shaping owns: ingress/clsact for ingress shaping, the rest for egress. */
    private static List<QdiscState> part(List<QdiscState> qdiscs, boolean ingress) {
        return qdiscs.stream().filter(q -> q.isIngress() == ingress).toList();
    }

    private static String[] htbClass(String device, String parent, String id, long rate, long ceil, long burst) {
        return new String[]{"tc", "class", "replace", "dev", device, "parent", parent, "classid", id, "htb",
                "rate", rate + "bit", "ceil", ceil + "bit", "burst", burst + "b", "cburst", burst + "b"};
    }

    private static String[] leafStep(String device, String classId, int minor, String leaf) {
        return new String[]{"tc", "qdisc", "replace", "dev", device, "parent", classId, "handle",
                Integer.toHexString(minor) + ":", leaf};
    }
}
