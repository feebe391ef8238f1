package io.vmqos.agent.metrics;

import io.vmqos.core.InvalidInputException;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;

/**
 * Serves the agent's metrics for Prometheus on {@code /metrics} (and {@code /-/healthy}) of {@code HOST:PORT}, bound
 * to 127.0.0.1 unless a host is given. Its own registry: nothing but what it is given. {@link #close} is idempotent.
 */
public final class MetricsServer implements AutoCloseable {
    public static final String DEFAULT_HOST = "127.0.0.1";

    private final HTTPServer server;
    private final String host;

    private MetricsServer(HTTPServer server, String host) {
        this.server = server;
        this.host = host;
    }

    /** The host and port of {@code HOST:PORT}, {@code :PORT}, {@code PORT} or {@code [V6]:PORT}. */
    public record Address(String host, int port) {
        public static Address parse(String option, String text) {
            String t = text.strip();
            int colon = t.lastIndexOf(':');
            String h = colon < 0 ? "" : t.substring(0, colon);
            String p = colon < 0 ? t : t.substring(colon + 1);
            if (h.startsWith("[") && h.endsWith("]")) h = h.substring(1, h.length() - 1);
            int port;
            try {
                port = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                throw new InvalidInputException(option, "'" + text + "' has no port number", "give HOST:PORT or PORT, e.g. 127.0.0.1:9464");
            }
            if (port < 0 || port > 65535) throw new InvalidInputException(option, "port " + port + " is out of range", "give a port from 1 to 65535, e.g. 9464");
            return new Address(h.isEmpty() ? DEFAULT_HOST : h, port);
        }
    }

    /** Starts serving {@code collectors}; port 0 picks a free one ({@link #port}). */
    public static MetricsServer start(Address at, io.prometheus.metrics.model.registry.MultiCollector metrics,
                                      io.prometheus.metrics.core.metrics.Histogram... histograms) throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(metrics);
        for (var h : histograms) registry.register(h);
        HTTPServer s = HTTPServer.builder().hostname(at.host()).port(at.port()).registry(registry).buildAndStart();
        return new MetricsServer(s, at.host());
    }

    public int port() { return server.getPort(); }

    /** {@code http://HOST:PORT/metrics}. */
    public String url() { return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port() + "/metrics"; }

    @Override
    public void close() { server.close(); }
}
