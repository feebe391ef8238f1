package io.vmqos.core.vm;

import io.vmqos.core.StageKind;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class ThreadRoleTest {
    @Test
    void eachRoleHasItsStage() {
        assertThat(ThreadRole.VCPU.stage()).contains(StageKind.VCPU);
        assertThat(ThreadRole.MAIN_LOOP.stage()).contains(StageKind.IO);
        assertThat(ThreadRole.IOTHREAD.stage()).contains(StageKind.IO);
        assertThat(ThreadRole.VHOST.stage()).contains(StageKind.IO);
        assertThat(ThreadRole.OTHER.stage()).isEqualTo(Optional.empty());
    }

    @Test
    void theRolesOfAStageMainLoopFirst() {
        assertThat(ThreadRole.of(StageKind.VCPU)).containsExactly(ThreadRole.VCPU);
        assertThat(ThreadRole.of(StageKind.IO)).containsExactly(ThreadRole.MAIN_LOOP, ThreadRole.IOTHREAD, ThreadRole.VHOST);
        assertThat(ThreadRole.of(StageKind.NAPI)).isEmpty();
    }
}
