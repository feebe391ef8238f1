package io.vmqos.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code vmqos calibrate} refuses bad input with exit 2 naming the option, before booting anything. */
class CalibrateCommandTest {
    private String err;

    private int run(String... args) {
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Main.run(new PrintWriter(o, true), new PrintWriter(e, true), args);
        err = e.toString();
        return code;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "zero rate            | --rates 0,500           | --rates",
            "negative rate        | --rates -5,500          | --rates",
            "one rate             | --rates 500             | --rates",
            "same rate twice      | --rates 500,500         | --rates",
            "rate not a number    | --rates 250,fast        | --rates",
            "size too small       | --sizes 8,1024          | --sizes",
            "size too large       | --sizes 64,1500         | --sizes",
            "one size             | --sizes 64              | --sizes",
            "short duration       | --duration 500ms        | --duration",
            "duration no unit     | --duration five         | --duration",
            "zero repeat          | --repeat 0              | --repeat",
            "min-r2 above 1       | --min-r2 1.5            | --min-r2",
            "unknown option       | --frobnicate 3          | --frobnicate",
    })
    void badInputExitsTwoNamingTheOption(String name, String args, String option) {
        assertThat(run(("calibrate -o /nonexistent-vmqos-calib/costs.yaml " + args).split(" "))).as(err).isEqualTo(Main.USAGE);
        assertThat(err).contains(option);
        assertThat(Files.exists(Path.of("/nonexistent-vmqos-calib"))).isFalse();
    }

    @Test
    void helpListsTheOptions() {
        StringWriter o = new StringWriter();
        assertThat(Main.run(new PrintWriter(o, true), new PrintWriter(new StringWriter(), true), "calibrate", "--help")).isZero();
        assertThat(o.toString()).contains("--rates").contains("--sizes").contains("--duration").contains("--repeat")
                .contains("--min-r2").contains("--force").contains("-o").contains("--json");
    }
}
