package io.vmqos.lab.load;

import io.vmqos.core.InvalidInputException;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Parses {@code host:port} (or {@code [v6]:port}) into a resolved socket address. Resolution goes through a
 * {@link Resolver} so tests can exercise the unknown-host path without sending DNS queries.
 */
public final class TargetAddress {
    /** Host name to address; {@link InetAddress#getByName} in production. */
    @FunctionalInterface
    public interface Resolver {
        InetAddress resolve(String host) throws UnknownHostException;
    }

    public static final Resolver SYSTEM = InetAddress::getByName;

    private TargetAddress() {}

    /** Parses with the system resolver. */
    public static InetSocketAddress parse(String field, String text) {
        return parse(field, text, SYSTEM);
    }

    /**
     * @throws InvalidInputException naming {@code field} when the text has no port, the port is out of range
     *     or the host does not resolve
     */
    public static InetSocketAddress parse(String field, String text, Resolver resolver) {
        if (text == null || text.isBlank()) {
            throw new InvalidInputException(field, "is missing", "give host:port, e.g. 10.213.0.2:7");
        }
        String s = text.strip();
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new InvalidInputException(field, "'" + text + "' has no host:port form", "write host:port, e.g. 10.213.0.2:7");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new InvalidInputException(field, "port '" + s.substring(colon + 1) + "' is not a number", "give a port 1..65535");
        }
        if (port < 1 || port > 65_535) {
            throw new InvalidInputException(field, "port " + port + " is out of range", "give a port 1..65535");
        }
        try {
            return new InetSocketAddress(resolver.resolve(host), port);
        } catch (UnknownHostException e) {
            throw new InvalidInputException(field, "unknown host '" + host + "'", "give an IP address or a resolvable host name");
        }
    }
}
