package dev.confine.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The kernel's table of TCP sockets, as /proc/net/tcp6 prints it: only LISTEN rows are kept. */
class ListeningTest {
  private static final String HEADER =
      "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

  private static String row(int sl, String local, String remote, String state, long uid, long inode) {
    return String.format("  %3d: %s %s %s 00000000:00000000 00:00000000 00000000 %5d        0 %d 1 0000000000000000 100 0 0 10 0%n",
        sl, local, remote, state, uid, inode);
  }

  @Test
  void onlyListenRowsAreKeptAmongThousandsOfOthers() {
    StringBuilder table = new StringBuilder(HEADER);
    String any = "00000000000000000000000000000000";
    // ::1 as the kernel prints it (each 32-bit word in host order): 0..0 00000000 01000000
    String loopback = "000000000000000000000000" + "01000000";
    for (int i = 0; i < 3000; i++) {
      // established (01) and time-wait (06) rows, one with uid 10 and inode ...0A... in decimal
      table.append(row(i, loopback + ":" + String.format("%04X", 40000 + i % 1000), loopback + ":1F90", i % 2 == 0 ? "01" : "06", 10, 100 + i));
    }
    table.append(row(3000, any + ":1F90", any + ":0000", "0A", 0, 424242));
    table.append(row(3001, loopback + ":0050", any + ":0000", "0A", 65534, 7));
    List<Listening.Socket> sockets = Listening.parse(table.toString());
    assertEquals(2, sockets.size());
    assertEquals(8080, sockets.get(0).port);
    assertEquals(0, sockets.get(0).uid);
    assertEquals(424242, sockets.get(0).inode);
    assertEquals(80, sockets.get(1).port);
    assertEquals(65534, sockets.get(1).uid);
    assertEquals(1, sockets.get(1).address[15]);
  }
}
