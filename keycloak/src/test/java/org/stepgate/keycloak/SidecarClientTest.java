package org.stepgate.keycloak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP the provider makes, and what it makes of each kind of answer, against a stand-in sidecar. */
class SidecarClientTest {
  private static final String TOKEN = "keycloak-sidecar-token-0123456789abcdefghij";
  private SidecarStandIn standIn;

  @BeforeEach
  void start() throws Exception {
    standIn = new SidecarStandIn();
  }

  @AfterEach
  void stop() {
    standIn.close();
  }

  private static StepgateSettings settings(URI url, int timeoutSeconds) {
    return new StepgateSettings(url, TOKEN, Duration.ofSeconds(timeoutSeconds), Set.of(), false, "phoneNumber", "userType");
  }

  private SidecarClient client() {
    return new SidecarClient(settings(standIn.url(), 5));
  }

  private static SignIn alice() {
    return new SignIn("alice", SignIn.Login.DIRECT, "203.0.113.7", "standard", null, "alice@example.com", null, List.of(), null);
  }

  @Test
  void evaluatesWithTheBearerTokenAndAJsonBody() throws Exception {
    standIn.answer(201, "{\"transaction_id\":\"t\",\"decision\":\"confirm\",\"methods\":[]}");
    SidecarAnswer answer = client().evaluate(alice());
    assertEquals(201, answer.status());
    assertEquals("confirm", answer.decision());
    SidecarStandIn.Received request = standIn.last();
    assertEquals("POST", request.method());
    assertEquals("/_stepgate/sidecar/v1/evaluate", request.path());
    assertEquals("Bearer " + TOKEN, request.header("Authorization"));
    assertEquals("application/json", request.header("Content-Type"));
    assertEquals("application/json", request.header("Accept"));
    assertEquals(new ObjectMapper().readTree(alice().toJson().toString()), request.body());
  }

  @Test
  void callsEachStepOfATransaction() throws Exception {
    for (int i = 0; i < 6; i++) standIn.answer(200, "{}");
    SidecarClient client = client();
    client.transaction("tx1");
    client.send("tx1", "sms");
    client.verify("tx1", "sms", "123456");
    client.registerMobile("tx1", "+447400123456");
    client.verifyMobile("tx1", "654321");
    client.declineMobile("tx1");
    List<String> calls =
        standIn.received().stream().map(r -> r.method() + " " + r.path() + " " + r.body()).toList();
    assertEquals(
        List.of(
            "GET /_stepgate/sidecar/v1/transactions/tx1 null",
            "POST /_stepgate/sidecar/v1/transactions/tx1/send {\"method\":\"sms\"}",
            "POST /_stepgate/sidecar/v1/transactions/tx1/verify {\"method\":\"sms\",\"code\":\"123456\"}",
            "POST /_stepgate/sidecar/v1/transactions/tx1/mobile {\"phone\":\"+447400123456\"}",
            "POST /_stepgate/sidecar/v1/transactions/tx1/mobile/verify {\"code\":\"654321\"}",
            "POST /_stepgate/sidecar/v1/transactions/tx1/mobile/decline {}"),
        calls);
  }

  @Test
  void returnsStepgatesErrorsForTheFlowToHandle() throws Exception {
    standIn.answer(
        429,
        "{\"error\":\"rate_limited\",\"message\":\"Unable to send you a verification code at this time.\",\"retry_after\":3600}");
    SidecarAnswer answer = client().send("tx1", "sms");
    assertEquals(429, answer.status());
    assertEquals("rate_limited", answer.error());
    assertEquals("Unable to send you a verification code at this time.", answer.message());
  }

  @Test
  void aProviderThatCouldNotDeliverIsAnAnswerNotAnOutage() throws Exception {
    standIn.answer(503, "{\"error\":\"delivery_failed\",\"message\":\"The text could not be sent.\"}");
    assertEquals("delivery_failed", client().send("tx1", "sms").error());
  }

  @Test
  void stepgateSayingItIsUnavailableIsUnreachable() {
    standIn.answer(503, "{\"error\":\"unavailable\",\"message\":\"The store is not answering.\"}");
    SidecarUnreachable e = assertThrows(SidecarUnreachable.class, () -> client().evaluate(alice()));
    assertTrue(e.getMessage().contains("503: unavailable The store is not answering."), e.getMessage());
  }

  @Test
  void aProxysGatewayErrorIsUnreachable() {
    standIn.answer(new SidecarStandIn.Scripted(502, "text/html", "<h1>Bad Gateway</h1>", 0));
    assertThrows(SidecarUnreachable.class, () -> client().evaluate(alice()));
  }

  @Test
  void noAnswerWithinTheTimeoutIsUnreachable() {
    standIn.answer(new SidecarStandIn.Scripted(201, "application/json", "{}", 4_000));
    SidecarClient impatient = new SidecarClient(settings(standIn.url(), 1));
    SidecarUnreachable e = assertThrows(SidecarUnreachable.class, () -> impatient.evaluate(alice()));
    assertTrue(e.getMessage().startsWith("stepgate did not answer POST "), e.getMessage());
  }

  @Test
  void aRefusedConnectionIsUnreachable() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    SidecarClient client = new SidecarClient(settings(URI.create("http://127.0.0.1:" + closedPort + "/_stepgate"), 5));
    SidecarUnreachable e = assertThrows(SidecarUnreachable.class, () -> client.evaluate(alice()));
    assertTrue(e.getMessage().startsWith("stepgate cannot be reached at http://127.0.0.1:"), e.getMessage());
  }

  @Test
  void anAnswerThatIsNotJsonHasNoBody() throws Exception {
    standIn.answer(new SidecarStandIn.Scripted(200, "text/html", "<html>a login page of some proxy</html>", 0));
    SidecarAnswer answer = client().evaluate(alice());
    assertEquals(200, answer.status());
    assertEquals("", answer.decision());
    assertTrue(answer.body().isMissingNode());
  }

  /**
   * A server that reads each request and closes the connection without a byte for the first
   * {@code broken} connections, as a server closing an idle keep-alive connection does, then
   * answers 201. Returns its port; it stops after {@code broken + 1} connections.
   */
  private static int breakingServer(int broken, AtomicInteger connections) throws IOException {
    ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
    Thread thread =
        new Thread(
            () -> {
              try (server) {
                for (int i = 0; i <= broken; i++) {
                  try (Socket socket = server.accept()) {
                    connections.incrementAndGet();
                    InputStream in = socket.getInputStream();
                    byte[] buffer = new byte[8192];
                    int read = in.read(buffer); // the request (small enough for one read)
                    if (read <= 0 || i < broken) continue;
                    byte[] body = "{\"decision\":\"confirm\",\"transaction_id\":\"t\",\"methods\":[]}".getBytes(StandardCharsets.UTF_8);
                    OutputStream out = socket.getOutputStream();
                    out.write(
                        ("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: "
                                + body.length
                                + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.write(body);
                    out.flush();
                  }
                }
              } catch (IOException e) {
                // the test is over
              }
            });
    thread.setDaemon(true);
    thread.start();
    return server.getLocalPort();
  }

  @Test
  void aConnectionThatBreaksBeforeAnyAnswerIsTriedOnceMore() throws Exception {
    AtomicInteger connections = new AtomicInteger();
    int port = breakingServer(1, connections);
    SidecarClient client = new SidecarClient(settings(URI.create("http://127.0.0.1:" + port + "/_stepgate"), 5));
    assertEquals(201, client.evaluate(alice()).status());
    assertEquals(2, connections.get());
  }

  @Test
  void twoBrokenConnectionsInARowAreUnreachable() throws Exception {
    AtomicInteger connections = new AtomicInteger();
    int port = breakingServer(2, connections);
    SidecarClient client = new SidecarClient(settings(URI.create("http://127.0.0.1:" + port + "/_stepgate"), 5));
    assertThrows(SidecarUnreachable.class, () -> client.evaluate(alice()));
    assertEquals(2, connections.get());
  }
}
