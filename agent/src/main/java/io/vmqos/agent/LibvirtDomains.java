package io.vmqos.agent;

import io.vmqos.core.StageKind;
import io.vmqos.core.config.HostConfig;
import io.vmqos.core.config.VmConfig;
import io.vmqos.core.config.VmLocator;
import io.vmqos.host.config.DomainXmlParser;
import io.vmqos.linux.DirectoryWatch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The libvirt domains the agent keeps besides those of its configuration file: every domain whose XML carries vmqos
 * metadata ({@link DomainXmlParser}). Two sources:
 * <ul>
 *   <li>libvirt's status files, {@code /run/libvirt/qemu/NAME.xml}: every running domain (read again only when a file's
 *       stamp changed, and only files that name vmqos's namespace are parsed);</li>
 *   <li>the hook ({@code vmqos hook run}): a domain admitted at {@code prepare} or {@code migrate} is <em>pending</em>
 *       (counted by admission so that two domains starting at once cannot both take the last share, and planned with the
 *       vCPU and iothread counts of its XML) until it starts, is released, or {@link #PENDING_NANOS} pass; one announced
 *       at {@code started} is kept from its hook XML until its status file is read.</li>
 * </ul>
 * A domain whose metadata is refused is left out and its error is given once ({@link #problems}). A VM of the
 * configuration file with the same name, or the same {@code domain:}, wins over the domain's metadata. Used on the
 * agent's duty thread only.
 */
final class LibvirtDomains {
    /** How long a domain admitted by the hook but not started is counted (a TCG domain starts in well under it). */
    static final long PENDING_NANOS = 120_000_000_000L;

    /** A domain, and whether it is known to run (else admitted and not started yet). */
    private record Known(DomainXmlParser.Domain domain, long expiresNanos) {}

    private record Parsed(Object stamp, Optional<DomainXmlParser.Domain> domain, String problem) {}

    @FunctionalInterface
    interface Parser {
        Optional<DomainXmlParser.Domain> parse(String xml, String shown, boolean haveCostModel);
    }

    private final List<Path> dirs;
    private final Parser parser;
    private final Map<Path, Parsed> files = new HashMap<>();
    private final Map<String, Known> announced = new TreeMap<>();
    private Map<String, DomainXmlParser.Domain> running = Map.of();
    private final Map<String, String> problems = new TreeMap<>();

    LibvirtDomains(List<Path> dirs, Parser parser) {
        this.dirs = List.copyOf(dirs);
        this.parser = parser;
    }

    /** The directories of libvirt's status files. */
    List<Path> dirs() { return dirs; }

    /**
     * Reads the status files again (those whose stamp changed) and forgets expired pending domains.
     *
     * @return true when the set of domains (or what their metadata says) changed
     */
    boolean refresh(boolean haveCostModel, long nowNanos) {
        Map<String, DomainXmlParser.Domain> before = domains();
        Map<String, DomainXmlParser.Domain> found = new TreeMap<>();
        java.util.Set<Path> seen = new java.util.HashSet<>();
        for (Path dir : dirs) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.xml")) {
                for (Path f : ds) {
                    seen.add(f);
                    Object stamp = DirectoryWatch.stamp(f);
                    Parsed p = files.get(f);
                    if (p == null || !p.stamp().equals(stamp)) {
                        p = read(f, stamp, haveCostModel);
                        files.put(f, p);
                        String name = f.getFileName().toString().replaceFirst("\\.xml$", "");
                        if (p.problem() != null) problems.put(name, p.problem());
                        else problems.remove(name);
                    }
                    p.domain().ifPresent(d -> found.put(d.vm().name(), d));
                }
            } catch (NoSuchFileException e) {
                // libvirtd has not run here yet
            } catch (IOException e) {
                // unreadable now: what was read before stays until it can be read again
                for (Map.Entry<Path, Parsed> x : files.entrySet()) {
                    if (x.getKey().startsWith(dir)) {
                        seen.add(x.getKey());
                        x.getValue().domain().ifPresent(d -> found.put(d.vm().name(), d));
                    }
                }
            }
        }
        files.keySet().retainAll(seen);
        running = Map.copyOf(found);
        announced.keySet().removeAll(found.keySet()); // its status file speaks for it now
        announced.values().removeIf(k -> k.expiresNanos() < nowNanos);
        return !before.equals(domains());
    }

    private Parsed read(Path f, Object stamp, boolean haveCostModel) {
        String xml;
        try {
            xml = Files.readString(f, StandardCharsets.UTF_8);
        } catch (IOException | java.io.UncheckedIOException e) {
            return new Parsed(stamp, Optional.empty(), null); // removed meanwhile: its deletion is the next event
        }
        if (!xml.contains(DomainXmlParser.NAMESPACE)) return new Parsed(stamp, Optional.empty(), null);
        try {
            return new Parsed(stamp, parser.parse(xml, f.toString(), haveCostModel), null);
        } catch (RuntimeException e) {
            return new Parsed(stamp, Optional.empty(), e.getMessage());
        }
    }

    /** A domain the hook admitted ({@code prepare}, {@code migrate}) or saw start ({@code started}). */
    void announce(DomainXmlParser.Domain d, long nowNanos) { announced.put(d.vm().name(), new Known(d, nowNanos + PENDING_NANOS)); }

    /** A domain libvirt released: forgotten now (its status file goes too). */
    void released(String name) { announced.remove(name); }

    /** Every domain kept, running or pending, by name. */
    Map<String, DomainXmlParser.Domain> domains() {
        Map<String, DomainXmlParser.Domain> out = new TreeMap<>();
        for (Map.Entry<String, Known> e : announced.entrySet()) out.put(e.getKey(), e.getValue().domain());
        out.putAll(running);
        return out;
    }

    /** Domains whose metadata was refused, by name, with the error (each status file's, as last read). */
    Map<String, String> problems() { return Map.copyOf(problems); }

    /**
     * The configuration file's VMs and these domains' ({@code extra} too, e.g. one being admitted), in one
     * configuration; a domain the file already names (by VM name or {@code domain:}) is left out.
     */
    static HostConfig effective(HostConfig file, Map<String, DomainXmlParser.Domain> domains) {
        if (domains.isEmpty()) return file;
        List<VmConfig> vms = new ArrayList<>(file.vms());
        for (DomainXmlParser.Domain d : domains.values()) if (!shadowed(file, d.vm().name())) vms.add(d.vm());
        return new HostConfig(file.host(), file.costModelPath(), file.overheadPerActivationNs(), vms, file.placement());
    }

    /** True when the configuration file has a VM of this name or one located as {@code domain: NAME}. */
    static boolean shadowed(HostConfig file, String domain) {
        for (VmConfig v : file.vms()) {
            if (v.name().equals(domain) || v.locator().equals(new VmLocator.Domain(domain))) return true;
        }
        return false;
    }

    /** The thread counts each domain will have by stage: its vCPUs; the main loop and its iothreads. */
    static Map<String, Map<StageKind, Integer>> expected(Map<String, DomainXmlParser.Domain> domains) {
        Map<String, Map<StageKind, Integer>> out = new TreeMap<>();
        for (DomainXmlParser.Domain d : domains.values()) {
            Map<StageKind, Integer> n = new EnumMap<>(StageKind.class);
            n.put(StageKind.VCPU, d.vcpus());
            n.put(StageKind.IO, 1 + d.iothreads());
            out.put(d.vm().name(), n);
        }
        return out;
    }
}
