package io.vmqos.host.config;

import io.vmqos.core.Durations;
import io.vmqos.core.InvalidInputException;
import io.vmqos.core.KernelLimits;
import io.vmqos.core.Reservation;
import io.vmqos.core.StageKind;
import io.vmqos.core.config.DirectionSla;
import io.vmqos.core.config.HostConfig;
import io.vmqos.core.config.HostSection;
import io.vmqos.core.config.PlacementSection;
import io.vmqos.core.config.VmConfig;
import io.vmqos.core.config.VmLocator;
import io.vmqos.core.net.ShapingSpec;
import io.vmqos.host.config.YamlTree.Entry;
import io.vmqos.host.config.YamlTree.ListNode;
import io.vmqos.host.config.YamlTree.MapNode;
import io.vmqos.host.config.YamlTree.Node;
import io.vmqos.core.CpuList;
import io.vmqos.linux.net.NetUnits;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a host configuration file (format in README, "Host configuration") strictly: unknown keys, wrong types,
 * bad units, impossible values, missing keys and YAML syntax errors are refused with a {@link ConfigException}
 * naming {@code file:line:column key.path} and the fix. Reads only the file (and checks that the cost model
 * file exists); never touches the host's scheduler. Thread-safe (no state but the kernel limits).
 */
public final class HostConfigParser {
    static final List<String> TOP_KEYS = List.of("host", "costModel", "overheadPerActivation", "vms", "placement");
    static final List<String> PLACEMENT_KEYS = List.of("url", "token", "name");
    static final List<String> HOST_KEYS = List.of("cpus", "partitioned", "hostReserve", "nics");
    static final List<String> VM_KEYS = List.of("name", "qmp", "pid", "domain", "sla", "reservations", "shaping", "reclaim", "reclaimCeiling", "adaptive", "costModel");
    static final List<String> SLA_KEYS = List.of("rx", "tx");
    static final List<String> DIRECTION_KEYS = List.of("rate", "packetSize", "burst", "latency");
    static final List<String> STAGE_KEYS = List.of("napi", "io", "vcpu");
    static final List<String> SHAPING_KEYS = List.of("rate", "ceil", "burst");
    /** Default HTB burst when {@code shaping.burst} is left out: 15k (15360 bytes). */
    public static final long DEFAULT_SHAPING_BURST_BYTES = 15 * 1024;

    private static final Pattern PPS = Pattern.compile("\\s*([+-]?\\d+(?:\\.\\d+)?)\\s*(pps|kpps|mpps)\\s*", Pattern.CASE_INSENSITIVE);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
    private static final Pattern IFNAME = Pattern.compile("[^\\s/:]{1,15}");

    private final KernelLimits limits;

    /** @param limits the kernel's DEADLINE period limits, against which reservations and latency bounds are checked */
    public HostConfigParser(KernelLimits limits) { this.limits = limits; }

    /**
     * Parses {@code file}.
     *
     * @throws ConfigException naming the place and the fix for anything wrong in the file (or a missing file)
     */
    public HostConfig parse(Path file) {
        Located in = new Located(file.toString());
        Node root = YamlTree.read(file, file.toString());
        Path dir = file.toAbsolutePath().getParent();
        MapNode top = in.map(root, "", TOP_KEYS);

        HostSection host = in.opt(top, "host").map(e -> host(in, e.value())).orElse(HostSection.DEFAULT);
        Optional<String> costModel = in.opt(top, "costModel").map(e -> costModel(in, e.value(), dir));
        long overhead = in.opt(top, "overheadPerActivation").map(e -> {
            long ns = in.at(e.value(), "overheadPerActivation", () -> Durations.parseNanos("overheadPerActivation", in.text(e.value(), "overheadPerActivation", "5us")));
            if (ns >= limits.periodMinNs()) {
                throw in.error(e.value(), "overheadPerActivation", Durations.format(ns) + " is not below the kernel's minimum period "
                        + Durations.format(limits.periodMinNs()) + ": no reservation would have runtime left", "give a few microseconds, e.g. 5us");
            }
            return ns;
        }).orElse(HostConfig.DEFAULT_OVERHEAD_NS);

        Entry vmsEntry = in.req(top, "", "vms", "[{name: web1, qmp: /run/web1.qmp, sla: {...}}]");
        ListNode vmList = in.list(vmsEntry.value(), "vms", "'- name: web1' lines under vms:");
        List<VmConfig> vms = new ArrayList<>();
        Map<String, Node> names = new HashMap<>();
        Map<VmLocator, Node> locators = new HashMap<>();
        for (int i = 0; i < vmList.items().size(); i++) {
            Node n = vmList.items().get(i);
            String path = "vms[" + i + "]";
            VmConfig vm = vm(in, n, path, dir, costModel.isPresent());
            Node firstName = names.putIfAbsent(vm.name(), n);
            MapNode m = (MapNode) n;
            if (firstName != null) {
                throw in.error(m.entries().get("name").value(), path + ".name", "VM name '" + vm.name() + "' appears twice (first at line "
                        + firstName.loc().line() + ")", "give each VM a distinct name");
            }
            Node firstLoc = locators.putIfAbsent(vm.locator(), n);
            if (firstLoc != null) {
                throw in.error(n, path, "VM '" + vm.name() + "' has the same " + vm.locator().describe() + " as the VM at line "
                        + firstLoc.loc().line(), "give each VM its own QMP socket, pid or domain");
            }
            vms.add(vm);
        }
        Optional<PlacementSection> placement = in.opt(top, "placement").map(e -> placement(in, e.value()));
        return in.at(top, "", () -> new HostConfig(host, costModel, overhead, vms, placement));
    }

    /** {@code placement: {url: http://controller:8778, token: T, name: N}}: url required, token and name optional. */
    private static PlacementSection placement(Located in, Node node) {
        MapNode m = in.map(node, "placement", PLACEMENT_KEYS);
        Entry urlEntry = in.req(m, "placement", "url", "http://controller:8778");
        String url = in.text(urlEntry.value(), "placement.url", "http://controller:8778").strip();
        try {
            java.net.URI u = new java.net.URI(url);
            if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) throw new java.net.URISyntaxException(url, "not http(s)://HOST[:PORT]");
        } catch (java.net.URISyntaxException x) {
            throw in.error(urlEntry.value(), "placement.url", "'" + url + "' is not an http(s) URL", "give Placement's endpoint, e.g. http://controller:8778 (openstack endpoint list --service placement)");
        }
        Optional<String> token = in.opt(m, "token").map(e -> {
            String t = in.text(e.value(), "placement.token", "admin").strip();
            if (t.isEmpty() || t.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) throw in.error(e.value(), "placement.token", "is empty or holds spaces or control characters", "give the token as one word, e.g. from: openstack token issue -f value -c id");
            return t;
        });
        Optional<String> name = in.opt(m, "name").map(e -> {
            String t = in.text(e.value(), "placement.name", "compute1").strip();
            if (t.isEmpty() || t.length() > 200) throw in.error(e.value(), "placement.name", "must be 1..200 characters", "give the provider's name, or leave name out for the host name");
            return t;
        });
        return new PlacementSection(url, token, name);
    }

    private HostSection host(Located in, Node node) {
        MapNode m = in.map(node, "host", HOST_KEYS);
        String cpus = in.opt(m, "cpus").map(e -> {
            String t = in.text(e.value(), "host.cpus", "0-1").strip();
            try {
                if (CpuList.parse(t).isEmpty()) throw new IllegalArgumentException("'" + t + "' names no CPU");
            } catch (IllegalArgumentException x) {
                throw in.error(e.value(), "host.cpus", x.getMessage(), "write a CPU list like 0-3,6 (or leave cpus out for every online CPU)");
            }
            return t;
        }).orElse("");
        boolean partitioned = in.opt(m, "partitioned").map(e -> in.bool(e.value(), "host.partitioned")).orElse(false);
        double reserve = in.opt(m, "hostReserve").map(e -> share(in, e.value(), "host.hostReserve")).orElse(HostSection.DEFAULT_RESERVE);
        List<String> nics = in.opt(m, "nics").map(e -> {
            ListNode l = in.list(e.value(), "host.nics", "[eth0]");
            List<String> out = new ArrayList<>();
            for (int i = 0; i < l.items().size(); i++) {
                String p = "host.nics[" + i + "]";
                String nic = in.text(l.items().get(i), p, "eth0").strip();
                if (!IFNAME.matcher(nic).matches()) {
                    throw in.error(l.items().get(i), p, "'" + nic + "' is not a network interface name", "give a name of 1..15 characters without spaces, '/' or ':' (see ip link)");
                }
                if (out.contains(nic)) throw in.error(l.items().get(i), p, "NIC '" + nic + "' is listed twice", "list each NIC once");
                out.add(nic);
            }
            return out;
        }).orElse(List.of());
        return new HostSection(cpus, partitioned, reserve, nics);
    }

    /** {@code 10%} or a fraction {@code 0.1}, in [0, 1). */
    private static double share(Located in, Node node, String path) {
        String t = in.text(node, path, "10%").strip();
        double v = percentOrFraction(in, node, path, t, "a share", "10%");
        if (!(v >= 0 && v < 1)) {
            throw in.error(node, path, "'" + t + "' is outside [0%, 100%)", "give a share from 0% up to below 100%, e.g. 10%"
                    + (v >= 1 && !t.endsWith("%") ? " (a bare number is a fraction: write " + t + "% for percent)" : ""));
        }
        return v;
    }

    /** {@code 40%} as 0.4, or a bare fraction {@code 0.4}; refuses anything else naming {@code what} it should be. */
    private static double percentOrFraction(Located in, Node node, String path, String t, String what, String example) {
        try {
            return t.endsWith("%") ? new BigDecimal(t.substring(0, t.length() - 1).strip()).doubleValue() / 100 : new BigDecimal(t).doubleValue();
        } catch (NumberFormatException e) {
            throw in.error(node, path, "'" + t + "' is not " + what, "write a percentage such as " + example + " (or a fraction such as "
                    + new BigDecimal(example.substring(0, example.length() - 1)).movePointLeft(2).stripTrailingZeros().toPlainString() + ")");
        }
    }

    /** The {@code costModel:} file, resolved against {@code dir}; refused when it is not a file. */
    static String costModel(Located in, Node node, Path dir) {
        String t = in.text(node, "costModel", "costs.yaml").strip();
        Path p = dir.resolve(t).normalize();
        if (!Files.isRegularFile(p)) {
            throw in.error(node, "costModel", "the cost model file " + p + (Files.isDirectory(p) ? " is a directory" : " does not exist"),
                    "run 'vmqos calibrate' to write it, fix the path (relative paths are taken from the configuration file's directory), "
                            + "or remove costModel and give every stage of every VM under reservations");
        }
        return p.toString();
    }

    /**
     * A VM's own cost model file: it need not exist yet (the agent writes it once it has fitted the VM's traffic), but
     * its directory must, and an existing one must be a file.
     */
    private static String vmCostModel(Located in, Node node, String path, Path dir) {
        String t = in.text(node, path, "costs/web1.yaml").strip();
        Path p = dir.resolve(t).normalize();
        if (Files.isDirectory(p)) throw in.error(node, path, "the cost model file " + p + " is a directory", "name a file in it, e.g. " + p.resolve("web1.yaml"));
        if (!Files.isRegularFile(p) && (p.getParent() == null || !Files.isDirectory(p.getParent()))) {
            throw in.error(node, path, "the directory of the cost model file " + p + " does not exist", "create " + p.getParent() + ", or fix the path (relative paths are taken from the configuration file's directory)");
        }
        return p.toString();
    }

    /** One {@code vms[]} entry at {@code path} (also a libvirt domain's metadata, see {@link DomainXmlParser}). */
    VmConfig vm(Located in, Node node, String path, Path dir, boolean haveCostModel) {
        MapNode m = in.map(node, path, VM_KEYS);
        Optional<String> own = in.opt(m, "costModel").map(e -> vmCostModel(in, e.value(), path + ".costModel", dir));
        return vm(in, m, path, haveCostModel, own, () -> locator(in, m, path, dir));
    }

    /**
     * The VM keys of {@code m} (a map whose keys the caller checked), for a host's {@code vms[]} entry, a libvirt domain's
     * metadata and a {@code vm.yaml} ({@link VmFileParser}) alike; {@code locate} reads or makes its locator.
     *
     * @param path the key path of {@code m}, "" for a whole file
     * @param own the VM's own cost model file ({@code vms[].costModel}), if any
     */
    VmConfig vm(Located in, MapNode m, String path, boolean haveCostModel, Optional<String> own, java.util.function.Supplier<VmLocator> locate) {
        String p = path.isEmpty() ? "" : path + ".";
        Entry nameE = in.req(m, path, "name", "web1");
        String name = in.text(nameE.value(), p + "name", "web1").strip();
        if (!NAME.matcher(name).matches()) {
            throw in.error(nameE.value(), p + "name", "'" + name + "' is not a VM name", "use letters, digits, '.', '_' and '-', starting with a letter or digit");
        }
        VmLocator locator = locate.get();
        Optional<DirectionSla> rx = Optional.empty(), tx = Optional.empty();
        Optional<Entry> slaE = in.opt(m, "sla");
        if (slaE.isPresent()) {
            String sp = p + "sla";
            MapNode sla = in.map(slaE.get().value(), sp, SLA_KEYS);
            if (sla.entries().isEmpty()) throw in.error(sla, sp, "has neither rx nor tx", "give rx (host to VM) and/or tx (VM to host), e.g. rx: {rate: 2000pps, packetSize: 64, burst: 16, latency: 5ms}");
            rx = in.opt(sla, "rx").map(e -> direction(in, e.value(), sp + ".rx"));
            tx = in.opt(sla, "tx").map(e -> direction(in, e.value(), sp + ".tx"));
        }
        Map<StageKind, Reservation> explicit = new EnumMap<>(StageKind.class);
        Optional<Entry> resE = in.opt(m, "reservations");
        if (resE.isPresent()) {
            String rp = p + "reservations";
            MapNode res = in.map(resE.get().value(), rp, STAGE_KEYS);
            if (res.entries().isEmpty()) throw in.error(res, rp, "is empty", "remove it, or give runtime/period per stage, e.g. {vcpu: 2ms/10ms, io: 1ms/10ms}");
            for (Entry e : res.entries().values()) {
                String kp = rp + "." + e.key();
                String text = in.text(e.value(), kp, "2ms/10ms");
                Reservation r = in.at(e.value(), kp, () -> Reservation.parse(kp, text).validate(kp, limits));
                explicit.put(StageKind.valueOf(e.key().toUpperCase(Locale.ROOT)), r);
            }
        }
        Optional<ShapingSpec> shaping = in.opt(m, "shaping").map(e -> shaping(in, e.value(), p + "shaping"));
        if (rx.isEmpty() && tx.isEmpty() && explicit.isEmpty()) {
            throw in.error(m, path, "VM '" + name + "' has neither an sla nor reservations: nothing to plan",
                    "give sla: {rx: ..., tx: ...} (sized from the cost model) or reservations: {vcpu: 2ms/10ms, io: 1ms/10ms}");
        }
        if (!haveCostModel && explicit.isEmpty() && own.isPresent() && !Files.isRegularFile(Path.of(own.get()))) {
            throw in.error(m, path, "VM '" + name + "' needs sizing, its own cost model " + own.get() + " does not exist yet and the file has no costModel",
                    "run 'vmqos vm calibrate " + name + " -o " + own.get() + "' while its traffic varies, add a top-level 'costModel: costs.yaml' "
                            + "(the agent then refits the VM's own as it runs), or give this VM's reservations");
        }
        if (!haveCostModel && explicit.isEmpty() && own.isEmpty()) {
            throw in.error(m, path, "VM '" + name + "' needs sizing but the file has no costModel",
                    "add 'costModel: costs.yaml' at the top (vmqos calibrate writes it), or give this VM's reservations");
        }
        boolean reclaim = in.opt(m, "reclaim").map(e -> in.bool(e.value(), p + "reclaim")).orElse(false);
        boolean adaptive = in.opt(m, "adaptive").map(e -> in.bool(e.value(), p + "adaptive")).orElse(false);
        double ceiling = in.opt(m, "reclaimCeiling").map(e -> {
            String cp = p + "reclaimCeiling";
            if (!reclaim && !adaptive) throw in.error(e.keyLoc(), cp, "is given but neither reclaim nor adaptive is on", "add 'reclaim: true' or 'adaptive: true', or remove reclaimCeiling");
            String t = in.text(e.value(), cp, "40%").strip();
            double v = percentOrFraction(in, e.value(), cp, t, "a share of a CPU", "40%");
            if (!(v > 0 && v <= 1)) throw in.error(e.value(), cp, "'" + t + "' is outside (0%, 100%] of a CPU", "give the most CPU one thread may take, e.g. 40%");
            return v;
        }).orElse(0.0);
        final Optional<DirectionSla> frx = rx, ftx = tx;
        return in.at(m, path, () -> new VmConfig(name, locator, frx, ftx, explicit, shaping, reclaim, ceiling, adaptive, own));
    }

    private static VmLocator locator(Located in, MapNode m, String path, Path dir) {
        List<Entry> given = new ArrayList<>();
        for (String k : List.of("qmp", "pid", "domain")) in.opt(m, k).ifPresent(given::add);
        if (given.isEmpty()) {
            throw in.error(m, path, "missing how to find the VM: none of qmp, pid, domain is given",
                    "add exactly one of 'qmp: /run/NAME.qmp', 'pid: 1234' or 'domain: NAME'");
        }
        if (given.size() > 1) {
            Entry second = given.get(1);
            throw in.error(second.keyLoc(), path + "." + second.key(), "both '" + given.get(0).key() + "' and '" + second.key()
                    + "' are given", "keep exactly one of qmp, pid, domain");
        }
        Entry e = given.getFirst();
        String kp = path + "." + e.key();
        return switch (e.key()) {
            case "qmp" -> new VmLocator.Qmp(dir.resolve(in.text(e.value(), kp, "/run/web1.qmp").strip()).normalize().toString());
            case "pid" -> {
                long pid = in.integer(e.value(), kp, "1234");
                if (pid <= 0 || pid > Integer.MAX_VALUE) throw in.error(e.value(), kp, "'" + pid + "' is not a process id", "give QEMU's pid (pgrep -a qemu)");
                yield new VmLocator.Pid((int) pid);
            }
            default -> {
                String d = in.text(e.value(), kp, "web1").strip();
                if (d.isEmpty() || d.contains("/") || d.equals(".") || d.equals("..")) {
                    throw in.error(e.value(), kp, "'" + d + "' is not a libvirt domain name", "give the name shown by virsh list");
                }
                yield new VmLocator.Domain(d);
            }
        };
    }

    private DirectionSla direction(Located in, Node node, String path) {
        MapNode m = in.map(node, path, DIRECTION_KEYS);
        Entry rateE = in.req(m, path, "rate", "2000pps");
        Entry sizeE = in.req(m, path, "packetSize", "1500");
        Entry burstE = in.req(m, path, "burst", "16");
        Entry latE = in.req(m, path, "latency", "5ms");
        DirectionSla.Rate rate = rate(in, rateE.value(), path + ".rate");
        long size = in.integer(sizeE.value(), path + ".packetSize", "1500");
        if (size < 1 || size > 65_535) throw in.error(sizeE.value(), path + ".packetSize", size + " bytes is not a packet size", "give the L2 frame size in bytes, 1..65535 (e.g. 64 or 1500)");
        long burst = in.integer(burstE.value(), path + ".burst", "16");
        if (burst < 1) throw in.error(burstE.value(), path + ".burst", "a burst of " + burst + " packets is impossible", "give at least 1 packet (the most packets that may arrive at once)");
        String lp = path + ".latency";
        String lt = in.text(latE.value(), lp, "5ms");
        long lat = in.at(latE.value(), lp, () -> Durations.parseNanos(lp, lt));
        if (lat == 0) throw in.error(latE.value(), lp, "a latency bound of 0 is impossible", "give a positive bound, e.g. 5ms");
        if (lat < limits.periodMinNs()) {
            throw in.error(latE.value(), lp, Durations.format(lat) + " is below the kernel's minimum DEADLINE period " + Durations.format(limits.periodMinNs())
                    + " (/proc/sys/kernel/sched_deadline_period_min_us): no reservation can guarantee it", "give at least " + Durations.format(limits.periodMinNs()));
        }
        return in.at(m, path, () -> new DirectionSla(rate, (int) size, burst, lat));
    }

    /** {@code 2000pps}, {@code 2kpps}, or a bit rate in tc units ({@code 20mbit}). */
    private static DirectionSla.Rate rate(Located in, Node node, String path) {
        String t = in.text(node, path, "2000pps");
        Matcher pm = PPS.matcher(t);
        if (pm.matches()) {
            BigDecimal v = new BigDecimal(pm.group(1)).multiply(BigDecimal.valueOf(switch (pm.group(2).toLowerCase(Locale.ROOT)) {
                case "kpps" -> 1_000L;
                case "mpps" -> 1_000_000L;
                default -> 1L;
            }));
            if (v.signum() <= 0) throw in.error(node, path, "a rate of '" + t.strip() + "' is impossible", "give a positive rate, e.g. 2000pps");
            try {
                return new DirectionSla.PacketsPerSecond(v.stripTrailingZeros().longValueExact());
            } catch (ArithmeticException e) {
                throw in.error(node, path, "'" + t.strip() + "' is not a whole number of packets per second", "round it, e.g. 1500pps");
            }
        }
        String s = t.strip();
        if (s.startsWith("-")) throw in.error(node, path, "a negative rate '" + s + "' is impossible", "give a positive rate, e.g. 2000pps or 20mbit");
        if (s.matches("[0-9.]+")) throw in.error(node, path, "'" + s + "' has no unit", "write " + s + "pps (packets/s) or " + s + "mbit (bits/s)");
        try {
            return new DirectionSla.BitsPerSecond(NetUnits.parseRateBits(path, s));
        } catch (InvalidInputException e) {
            throw in.error(node, path, e.problem(), "write packets per second (2000pps, 2kpps) or a bit rate (500kbit, 20mbit, 1gbit)");
        }
    }

    private static ShapingSpec shaping(Located in, Node node, String path) {
        MapNode m = in.map(node, path, SHAPING_KEYS);
        Entry rateE = in.req(m, path, "rate", "100mbit");
        long rate = bits(in, rateE.value(), path + ".rate");
        long ceil = in.opt(m, "ceil").map(e -> bits(in, e.value(), path + ".ceil")).orElse(rate);
        long burst = in.opt(m, "burst").map(e -> {
            String bp = path + ".burst";
            String t = in.text(e.value(), bp, "15k");
            return in.at(e.value(), bp, () -> NetUnits.parseSizeBytes(bp, t));
        }).orElse(DEFAULT_SHAPING_BURST_BYTES);
        if (ceil < rate) {
            Node at = m.entries().get("ceil").value();
            throw in.error(at, path + ".ceil", NetUnits.formatRate(ceil) + " is below the rate " + NetUnits.formatRate(rate), "make ceil >= rate (equal for a hard limit)");
        }
        if (burst < ShapingSpec.MIN_BURST_BYTES) {
            throw in.error(m.entries().get("burst").value(), path + ".burst", burst + " bytes is below one full frame", "give at least 1600b; 15k suits up to about 1gbit");
        }
        return new ShapingSpec(rate, ceil, burst, Optional.empty());
    }

    private static long bits(Located in, Node node, String path) {
        String t = in.text(node, path, "100mbit");
        return in.at(node, path, () -> NetUnits.parseRateBits(path, t));
    }
}
