package io.vmqos.lab.calibrate;

import java.util.List;

/**
 * A calibration whose fit is too poor to trust: some stage's R² is below the minimum, or its per-packet cost did
 * not come out positive. {@link #problems()} has one line per failing stage; the message adds what to try.
 */
public final class PoorFitException extends CalibrationException {
    private final List<String> problems;

    public PoorFitException(List<String> problems) {
        super("the fit is too poor to use: " + String.join("; ", problems)
                + ". Try a longer --duration (e.g. 10s), a quieter machine, more --rates (e.g. 250,500,1000,2000,4000) or --repeat 2;"
                + " or --force to write it anyway");
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() { return problems; }
}
