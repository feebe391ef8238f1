package io.vmqos.lab.load;

import io.vmqos.core.Durations;
import io.vmqos.core.InvalidInputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Runs one load and prints its {@link LoadResult} as JSON on stdout, so the demo can run the client as a child
 * process inside a network namespace:
 *
 * <pre>ip netns exec X java --enable-native-access=ALL-UNNAMED -cp vmqos.jar io.vmqos.lab.load.LoadMain \
 *     --target 10.213.0.2:7 --rate 2000 --size 64 --duration 10s</pre>
 *
 * Exit codes: 0 result printed; 2 bad input (message on stderr names the option and the fix); 1 the run failed.
 */
@Command(name = "vmqos-load", mixinStandardHelpOptions = true,
        description = "UDP echo load generator: prints a LoadResult JSON document on stdout.")
public final class LoadMain implements Callable<Integer> {
    @Option(names = "--target", required = true, description = "echo server host:port, e.g. 10.213.0.2:7")
    String target;
    @Option(names = "--mode", defaultValue = "paced", description = "paced (open loop at --rate) or bulk (window, max throughput)")
    String mode;
    @Option(names = "--rate", defaultValue = "1000", description = "requests per second (bulk: cap, 0 = unlimited)")
    long rate;
    @Option(names = "--size", defaultValue = "64", description = "UDP payload bytes per request (16..65507)")
    int size;
    @Option(names = "--duration", defaultValue = "10s", description = "how long to send, e.g. 10s")
    String duration;
    @Option(names = "--timeout", defaultValue = "1s", description = "wait this long after the last send for replies")
    String timeout;
    @Option(names = "--window", defaultValue = "64", description = "bulk: requests outstanding")
    int window;
    @Option(names = "--bucket", defaultValue = "100ms", description = "latency-over-time bucket width")
    String bucket;

    private PrintWriter out = new PrintWriter(System.out, true);

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Parses and runs; for tests and in-process callers. Returns the exit code. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        LoadMain main = new LoadMain();
        main.out = out;
        CommandLine cli = new CommandLine(main);
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((e, a) -> {
            err.println("vmqos-load: " + e.getMessage());
            return 2;
        });
        cli.setExecutionExceptionHandler((e, c, p) -> {
            if (e instanceof InvalidInputException) {
                err.println("vmqos-load: " + e.getMessage());
                return 2;
            }
            err.println("vmqos-load: run failed: " + e.getMessage());
            return 1;
        });
        return cli.execute(args);
    }

    /** Builds the spec from the options; throws {@link InvalidInputException} naming the option. */
    LoadSpec spec() {
        LoadMode loadMode = switch (mode.toLowerCase(Locale.ROOT)) {
            case "paced" -> LoadMode.PACED;
            case "bulk" -> LoadMode.BULK;
            default -> throw new InvalidInputException("--mode", "'" + mode + "' is not a mode", "use paced or bulk");
        };
        return new LoadSpec(TargetAddress.parse("--target", target), loadMode, rate, size,
                Durations.parseNanos("--duration", duration), Durations.parseNanos("--timeout", timeout), window,
                Durations.parseNanos("--bucket", bucket));
    }

    @Override
    public Integer call() {
        LoadSpec spec = spec();
        try {
            out.println(LoadJson.write(UdpLoadGenerator.run(spec)));
            return 0;
        } catch (UncheckedIOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
