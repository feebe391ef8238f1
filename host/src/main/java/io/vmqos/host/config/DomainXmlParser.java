package io.vmqos.host.config;

import com.fasterxml.jackson.core.JsonToken;
import io.vmqos.core.KernelLimits;
import io.vmqos.core.config.VmConfig;
import io.vmqos.host.config.YamlTree.Entry;
import io.vmqos.host.config.YamlTree.Loc;
import io.vmqos.host.config.YamlTree.MapNode;
import io.vmqos.host.config.YamlTree.Node;
import io.vmqos.host.config.YamlTree.Scalar;

import javax.xml.stream.Location;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads the vmqos part of a libvirt domain's XML: the element {@code <vmqos:vm xmlns:vmqos="}{@value #NAMESPACE}{@code ">}
 * under {@code <metadata>}, whose children and attributes carry the keys of one entry of host.yaml's {@code vms[]}
 * ({@code sla}, {@code reservations}, {@code shaping}), checked by the same rules ({@link HostConfigParser}); the name is
 * the domain's and the VM is found as {@code domain: NAME}. Also the domain's UUID and how many vCPU and iothreads it
 * will have (admission before the domain runs counts them). Accepts the {@code <domain>} document that libvirt gives its
 * hooks and the {@code <domstatus>} one it keeps in /run/libvirt/qemu/NAME.xml. An element or an attribute is a key; an
 * element's text is a value:
 *
 * <pre>{@code
 * <metadata>
 *   <vmqos:vm xmlns:vmqos="http://vmqos.io/xmlns/libvirt/1">
 *     <vmqos:sla><vmqos:rx rate="2000pps" packetSize="64" burst="16" latency="5ms"/></vmqos:sla>
 *     <vmqos:reservations vcpu="2ms/10ms" io="1ms/10ms"/>
 *   </vmqos:vm>
 * </metadata>
 * }</pre>
 *
 * Errors name the document, line and column, and the key path ({@code web1.xml:7:5 sla.rx.rate}). DTDs and external
 * entities are refused. Pure; thread-safe.
 */
public final class DomainXmlParser {
    /** The XML namespace of vmqos's domain metadata. */
    public static final String NAMESPACE = "http://vmqos.io/xmlns/libvirt/1";
    /** The keys a domain's metadata may hold: those of a {@code vms[]} entry but its name and locator. */
    static final List<String> KEYS = List.of("sla", "reservations", "shaping", "reclaim", "reclaimCeiling", "adaptive");
    /** How errors name the metadata element: {@code vmqos.sla.rx.rate}. */
    static final String PATH = "vmqos";
    private static final Pattern WHOLE = Pattern.compile("[+-]?\\d+");

    private final HostConfigParser vms;

    public DomainXmlParser(KernelLimits limits) { this.vms = new HostConfigParser(limits); }

    /**
     * A libvirt domain as vmqos plans it.
     *
     * @param vm its configuration (name = the domain's, locator {@code domain: NAME})
     * @param uuid libvirt's UUID of the domain ("" when the XML has none)
     * @param vcpus how many vCPUs it runs with ({@code <vcpu current=...>}, else the {@code <vcpu>} count)
     * @param iothreads its {@code <iothreads>} count
     */
    public record Domain(VmConfig vm, String uuid, int vcpus, int iothreads) {}

    /**
     * Parses a domain's XML.
     *
     * @param shown how errors name the document (its file, or "the domain XML libvirt gave the hook")
     * @param haveCostModel whether the host has a cost model (an SLA without reservations needs one)
     * @return empty when the domain has no vmqos metadata
     * @throws ConfigException malformed XML, a domain without a name, or metadata vmqos refuses (naming the key and the fix)
     */
    public Optional<Domain> parse(String xml, String shown, boolean haveCostModel) {
        Located in = new Located(shown);
        Scan s = scan(xml, shown);
        if (s.metadata == null) return Optional.empty();
        if (s.name == null || s.name.isBlank()) {
            throw new ConfigException(shown, 0, 0, "name", "the domain XML has no <name>", "give the domain a name");
        }
        for (String k : List.of("name", "qmp", "pid", "domain")) {
            Entry e = s.metadata.entries().get(k);
            if (e != null) {
                throw in.error(e.keyLoc(), PATH + "." + k, "'" + k + "' cannot be given in a domain's vmqos metadata: libvirt names and finds the domain",
                        "remove it; the keys allowed here are " + String.join(", ", KEYS));
            }
        }
        MapNode checked = in.map(s.metadata, PATH, KEYS);
        Map<String, Entry> entries = new LinkedHashMap<>();
        Loc at = checked.loc();
        entries.put("name", new Entry("name", at, new Scalar(at, s.name.strip(), JsonToken.VALUE_STRING)));
        entries.put("domain", new Entry("domain", at, new Scalar(at, s.name.strip(), JsonToken.VALUE_STRING)));
        entries.putAll(checked.entries());
        VmConfig vm = vms.vm(in, new MapNode(at, entries), PATH, Path.of("/"), haveCostModel);
        return Optional.of(new Domain(vm, s.uuid == null ? "" : s.uuid.strip(), Math.max(1, s.vcpus), Math.max(0, s.iothreads)));
    }

    /** What one pass over the document found. */
    private static final class Scan {
        String name, uuid;
        int vcpus = 1, iothreads;
        MapNode metadata;
    }

    private static Scan scan(String xml, String shown) {
        XMLInputFactory f = XMLInputFactory.newFactory();
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        f.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, true);
        Scan s = new Scan();
        Deque<String> path = new ArrayDeque<>();
        XMLStreamReader r = null;
        try {
            r = f.createXMLStreamReader(new StringReader(xml));
            while (r.hasNext()) {
                int ev = r.next();
                if (ev == XMLStreamConstants.DTD) {
                    throw new ConfigException(shown, r.getLocation().getLineNumber(), r.getLocation().getColumnNumber(), "",
                            "the domain XML has a DTD", "give the domain XML as libvirt writes it, without <!DOCTYPE>");
                }
                if (ev == XMLStreamConstants.END_ELEMENT) {
                    path.pop();
                    continue;
                }
                if (ev != XMLStreamConstants.START_ELEMENT) continue;
                String local = r.getLocalName();
                String parent = String.join("/", path.reversed());
                boolean inDomain = parent.equals("domain") || parent.equals("domstatus/domain");
                if ((parent.equals("domain/metadata") || parent.equals("domstatus/domain/metadata")) && NAMESPACE.equals(r.getNamespaceURI())
                        && local.equals("vm")) {
                    if (s.metadata != null) {
                        throw new ConfigException(shown, r.getLocation().getLineNumber(), r.getLocation().getColumnNumber(), "",
                                "the domain has two vmqos <vm> metadata elements", "keep one");
                    }
                    Node m = element(r, shown, PATH);
                    s.metadata = m instanceof MapNode mm ? mm : new MapNode(m.loc(), new LinkedHashMap<>());
                    continue; // element() consumed its end tag
                }
                path.push(local);
                if (inDomain) {
                    switch (local) {
                        case "name" -> s.name = r.getElementText();
                        case "uuid" -> s.uuid = r.getElementText();
                        case "vcpu" -> {
                            String current = r.getAttributeValue(null, "current");
                            String text = r.getElementText().strip();
                            s.vcpus = whole(current != null ? current : text, 1);
                        }
                        case "iothreads" -> s.iothreads = whole(r.getElementText().strip(), 0);
                        default -> { continue; }
                    }
                    path.pop(); // getElementText() consumed the end tag
                }
            }
        } catch (XMLStreamException e) {
            Location l = e.getLocation();
            String msg = e.getMessage() == null ? e.toString() : e.getMessage().replaceFirst("(?s)^ParseError at \\[row,col\\]:\\[\\d+,\\d+\\]\\s*Message:\\s*", "");
            throw new ConfigException(shown, l == null ? 0 : l.getLineNumber(), l == null ? 0 : l.getColumnNumber(), "",
                    "not well-formed XML: " + msg.strip(), "give the domain XML as libvirt writes it (virsh dumpxml NAME)");
        } finally {
            if (r != null) {
                try { r.close(); } catch (XMLStreamException ignored) { /* nothing held */ }
            }
        }
        return s;
    }

    private static int whole(String t, int fallback) {
        if (t == null || !WHOLE.matcher(t.strip()).matches()) return fallback;
        try { return Integer.parseInt(t.strip()); } catch (NumberFormatException e) { return fallback; }
    }

    /**
     * The element the reader stands on, read to its end tag: a map of its attributes and child elements (any
     * namespace), or, without either, a scalar of its text.
     */
    private static Node element(XMLStreamReader r, String shown, String path) throws XMLStreamException {
        Loc loc = loc(r.getLocation());
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (int i = 0; i < r.getAttributeCount(); i++) {
            String key = r.getAttributeLocalName(i);
            if (r.getAttributePrefix(i) != null && r.getAttributePrefix(i).equals("xmlns")) continue;
            put(entries, new Entry(key, loc, scalar(loc, r.getAttributeValue(i))), shown, path);
        }
        StringBuilder text = new StringBuilder();
        List<Entry> children = new ArrayList<>();
        while (true) {
            int ev = r.next();
            if (ev == XMLStreamConstants.START_ELEMENT) {
                String key = r.getLocalName();
                Loc kl = loc(r.getLocation());
                children.add(new Entry(key, kl, element(r, shown, Located.join(path, key))));
            } else if (ev == XMLStreamConstants.CHARACTERS || ev == XMLStreamConstants.CDATA) {
                text.append(r.getText());
            } else if (ev == XMLStreamConstants.END_ELEMENT) {
                break;
            }
        }
        for (Entry c : children) put(entries, c, shown, path);
        if (entries.isEmpty()) {
            String t = text.toString().strip();
            return t.isEmpty() ? new Scalar(loc, "", JsonToken.VALUE_NULL) : scalar(loc, t);
        }
        if (!text.toString().isBlank()) {
            throw new ConfigException(shown, loc.line(), loc.column(), path, "has both text and keys", "give either a value or keys (attributes, child elements)");
        }
        return new MapNode(loc, entries);
    }

    private static void put(Map<String, Entry> entries, Entry e, String shown, String path) {
        Entry prev = entries.putIfAbsent(e.key(), e);
        if (prev != null) {
            throw new ConfigException(shown, e.keyLoc().line(), e.keyLoc().column(), Located.join(path, e.key()),
                    "the key '" + e.key() + "' is given twice (first at line " + prev.keyLoc().line() + ")", "keep one of them (an attribute or a child element)");
        }
    }

    /** XML values are text; booleans and whole numbers are typed as YAML would, so that the same rules apply. */
    private static Scalar scalar(Loc loc, String t) {
        String s = t.strip();
        JsonToken token = s.equals("true") ? JsonToken.VALUE_TRUE : s.equals("false") ? JsonToken.VALUE_FALSE
                : WHOLE.matcher(s).matches() ? JsonToken.VALUE_NUMBER_INT : JsonToken.VALUE_STRING;
        return new Scalar(loc, s, token);
    }

    private static Loc loc(Location l) { return l == null ? new Loc(0, 0) : new Loc(Math.max(0, l.getLineNumber()), Math.max(0, l.getColumnNumber())); }
}
