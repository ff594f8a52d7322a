package dev.procpool.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The launcher's options and its security defaults. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class NodeLauncherTest {

  @Test
  void defaultsBindLoopbackAndNeedOnlyTheClusterName() {
    NodeLauncher.Options o = NodeLauncher.parse(new String[] {"--cluster-name", "analytics"});
    assertThat(o.clusterName()).isEqualTo("analytics");
    assertThat(o.bind()).isEqualTo("127.0.0.1");
    assertThat(o.members()).containsExactly("127.0.0.1");
    assertThat(o.port()).isEqualTo(5701);
    assertThat(o.workers()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(o.detectionSeconds()).isEqualTo(10);
    assertThat(o.drainSeconds()).isEqualTo(60);
  }

  @Test
  void everyOptionIsRead() {
    NodeLauncher.Options o = NodeLauncher.parse(new String[] {"--cluster-name=c", "--members", "127.0.0.1:5701, 127.0.0.2",
        "--bind", "127.0.0.2", "--port", "6000", "--workers=3", "--failure-detection-seconds", "5", "--drain-seconds", "9"});
    assertThat(o.members()).containsExactly("127.0.0.1:5701", "127.0.0.2");
    assertThat(List.of(o.bind(), o.port(), o.workers(), o.detectionSeconds(), o.drainSeconds()))
        .containsExactly("127.0.0.2", 6000, 3, 5, 9);
    assertThat(NodeLauncher.parse(new String[] {"--help"})).isNull();
  }

  @Test
  void aClusterNameIsRequired() {
    assertThatThrownBy(() -> NodeLauncher.parse(new String[] {"--workers", "2"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--cluster-name is required");
  }

  @Test
  void aNonLoopbackBindNeedsAnExplicitFlag() {
    // 192.0.2.1 is TEST-NET-1: never contacted, only parsed.
    assertThatThrownBy(() -> NodeLauncher.parse(new String[] {"--cluster-name", "c", "--bind", "192.0.2.1"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--allow-public-bind")
        .hasMessageContaining("no TLS");
    assertThat(NodeLauncher.parse(new String[] {"--cluster-name", "c", "--bind", "192.0.2.1", "--allow-public-bind"})
        .allowPublicBind()).isTrue();
    assertThatThrownBy(() -> NodeLauncher.parse(new String[] {"--cluster-name", "c", "--bind", "0.0.0.0",
        "--allow-public-bind"})).hasMessageContaining("not a wildcard");
  }

  @Test
  void badValuesAreNamed() {
    assertThatThrownBy(() -> NodeLauncher.parse(new String[] {"--cluster-name", "c", "--workers", "zero"}))
        .hasMessageContaining("--workers needs a positive whole number, got 'zero'");
    assertThatThrownBy(() -> NodeLauncher.parse(new String[] {"--cluster-name", "c", "--port"}))
        .hasMessageContaining("--port needs a value");
    assertThatThrownBy(() -> NodeLauncher.parse(new String[] {"--cluster-name", "c", "--frobnicate"}))
        .hasMessageContaining("unknown option --frobnicate");
  }
}
