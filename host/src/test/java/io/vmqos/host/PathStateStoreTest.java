package io.vmqos.host;

import io.vmqos.core.Reservation;
import io.vmqos.core.SchedAttributes;
import io.vmqos.linux.net.QdiscState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The state file: JSON round trip, atomic replace, empty state deletes the file, corrupt file named. */
class PathStateStoreTest {
    @TempDir Path dir;

    @Test
    void roundTripsAndDeletesWhenEmpty() throws Exception {
        PathStateStore store = new PathStateStore(dir.resolve("sub/path-state.json"));
        assertThat(store.read().vms()).isEmpty();
        PathState.VmEntry e = new PathState.VmEntry(42, "web1", List.of(new PathState.Dev("tap0", "ns1"), new PathState.Dev("br0", "ns1")),
                List.of(new PathState.NapiRecord("veth0", null, "0", false, true)),
                List.of(new PathState.PathThread(77, "napi/veth0-12", "veth0", null,
                        PathState.Attr.of(SchedAttributes.deadline(Reservation.of(1_000_000, 10_000_000))))),
                List.of(new PathState.Shaped("tap0", "ns1", List.of(new QdiscState("noqueue", "0:", "root", "{}")), List.of("1:10"), null)),
                List.of(new PathState.IrqRecord(35, "eth0-rx-0", "eth0", null, "0-3", "2-3")));
        store.write(PathState.empty().with("web1", e));
        PathState back = store.read();
        assertThat(back.vms().get("web1")).isEqualTo(e);
        assertThat(back.vms().get("web1").pathThreads().getFirst().before().toAttributes().reservation())
                .isEqualTo(Reservation.of(1_000_000, 10_000_000));
        assertThat(Files.readString(store.file())).contains("\"previousThreaded\" : \"0\"").contains("\"classIds\"");
        store.write(back.without("web1"));
        assertThat(store.file()).doesNotExist();
    }

    @Test
    void corruptFileIsNamed() throws Exception {
        Path f = dir.resolve("path-state.json");
        Files.writeString(f, "{not json");
        assertThatThrownBy(() -> new PathStateStore(f).read()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("delete it");
    }
}
