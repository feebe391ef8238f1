package io.vmqos.core.config;

import io.vmqos.core.Reservation;
import io.vmqos.core.StageKind;
import io.vmqos.core.net.ShapingSpec;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Which VMs the pipeline must look up the network path of. */
class VmConfigTest {
    private static final VmLocator QMP = new VmLocator.Qmp("/run/web1.qmp");
    private static final Reservation R = Reservation.of(1_000_000, 10_000_000);

    @Test
    void onlyThreadReservationsNeedNoPath() {
        assertThat(new VmConfig("web1", QMP, Optional.empty(), Optional.empty(), Map.of(StageKind.VCPU, R, StageKind.IO, R), Optional.empty())
                .needsNetworkPath()).isFalse();
    }

    @Test
    void shapingANapiReservationOrAnSlaNeedThePath() {
        assertThat(new VmConfig("web1", QMP, Optional.empty(), Optional.empty(), Map.of(StageKind.VCPU, R),
                Optional.of(new ShapingSpec(20_000_000, 50_000_000, 15_000, Optional.empty()))).needsNetworkPath()).isTrue();
        assertThat(new VmConfig("web1", QMP, Optional.empty(), Optional.empty(), Map.of(StageKind.NAPI, R), Optional.empty())
                .needsNetworkPath()).isTrue();
    }
}
