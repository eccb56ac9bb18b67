package org.stepgate.keycloak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MultivaluedHashMap;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.keycloak.common.ClientConnection;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.http.HttpRequest;
import org.keycloak.models.ClientModel;
import org.keycloak.models.AuthenticatorConfigModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RequiredActionProviderModel;
import org.keycloak.models.UserModel;
import org.keycloak.sessions.AuthenticationSessionModel;
import org.keycloak.vault.VaultStringSecret;
import org.keycloak.vault.VaultTranscriber;

/**
 * The authenticator's whole logic (pages, calls, failures) with Keycloak's contexts faked and a
 * stand-in sidecar answering: what the person sees and whether the sign-in goes on.
 */
class ConfirmationTest {
  private static final String SMS_LIMIT =
      "Unable to send you a verification code at this time. You may have attempted too many verifications in the last hour. Try again later.";
  private static final String CONFIRM_BY_SMS =
      "{\"transaction_id\":\"tx1\",\"decision\":\"confirm\",\"methods\":[{\"id\":\"sms\",\"destination\":\"+1 ••• ••• ••23\"},{\"id\":\"authenticator\"}]";

  private SidecarStandIn standIn;
  private Flow flow;

  /** What Keycloak was told: pages (template or error status), the end of the step, the error shown. */
  private static final class Flow extends FlowStep {
    final List<String> events = new ArrayList<>();
    final Map<String, String> notes;
    final Set<String> requiredActions;
    final Map<String, Object> attributes = new HashMap<>();
    final boolean[] requiredActionEnabled;
    String error;
    String page;

    Flow() {
      this(new HashMap<>(), new LinkedHashSet<>(), new boolean[] {true});
    }

    private Flow(Map<String, String> notes, Set<String> requiredActions, boolean[] requiredActionEnabled) {
      super(
          Fakes.fake(KeycloakSession.class)
              .returns(
                  "vault",
                  Fakes.fake(VaultTranscriber.class)
                      .on(
                          "getStringSecret",
                          args ->
                              Fakes.fake(VaultStringSecret.class)
                                  .returns("get", Optional.empty()) // the vault holds nothing
                                  .on("close", none -> null)
                                  .build())
                      .build())
              .build(),
          Fakes.fake(RealmModel.class)
              .on(
                  "getRequiredActionProviderByAlias",
                  args -> {
                    RequiredActionProviderModel model = new RequiredActionProviderModel();
                    model.setAlias((String) args[0]);
                    model.setEnabled(requiredActionEnabled[0]);
                    return model;
                  })
              .build(),
          Fakes.fake(UserModel.class)
              .returns("getUsername", "alice")
              .returns("getEmail", "alice@example.com")
              .returns("isEmailVerified", true)
              .returns("getFederationLink", null)
              .on("getFirstAttribute", args -> null)
              .on("getGroupsStream", args -> Stream.empty())
              .build(),
          Fakes.fake(AuthenticationSessionModel.class)
              .returns("getClient", Fakes.fake(ClientModel.class).returns("getClientId", "test-app").build())
              .on("getAuthNote", args -> notes.get((String) args[0]))
              .on("setAuthNote", args -> notes.put((String) args[0], (String) args[1]))
              .on("removeAuthNote", args -> notes.remove((String) args[0]))
              .on("addRequiredAction", args -> requiredActions.add((String) args[0]))
              .build(),
          Fakes.fake(ClientConnection.class).returns("getRemoteAddr", "203.0.113.7").build(),
          Fakes.fake(HttpRequest.class)
              .returns("getHttpHeaders", Fakes.fake(HttpHeaders.class).on("getHeaderString", args -> null).build())
              .build());
      this.notes = notes;
      this.requiredActions = requiredActions;
      this.requiredActionEnabled = requiredActionEnabled;
    }

    @Override
    LoginFormsProvider form() {
      error = null;
      page = null;
      attributes.clear();
      Fakes.Fake<LoginFormsProvider> form = Fakes.fake(LoginFormsProvider.class);
      LoginFormsProvider[] self = new LoginFormsProvider[1];
      form.on("setError", args -> {
            error = (String) args[0];
            return self[0];
          })
          .on("setAttribute", args -> {
            attributes.put((String) args[0], args[1]);
            return self[0];
          })
          .on("createForm", args -> {
            page = (String) args[0];
            return null;
          })
          .on("createErrorPage", args -> {
            page = "error " + ((Response.Status) args[0]).getStatusCode();
            return null;
          });
      self[0] = form.build();
      return self[0];
    }

    @Override
    String settingsId() {
      return "settings-1";
    }

    @Override
    void show(Response response, boolean wrongCode) {
      events.add((wrongCode ? "wrong code: " : "show: ") + page);
    }

    @Override
    void proceed() {
      events.add("proceed");
    }

    @Override
    void refuse(Outcome.Reason reason, Response response) {
      events.add("refuse " + reason + ": " + page);
    }

    @Override
    boolean handsOverRegistration() {
      return true;
    }

    String last() {
      return events.get(events.size() - 1);
    }
  }

  @BeforeEach
  void start() throws Exception {
    standIn = new SidecarStandIn();
    flow = new Flow();
  }

  @AfterEach
  void stop() {
    standIn.close();
  }

  private Confirmation confirmation(URI url, boolean failOpen) {
    return new Confirmation(
        flow, new StepgateSettings(url, "token", Duration.ofSeconds(5), Set.of(), failOpen, "phoneNumber", "userType"));
  }

  private Confirmation confirmation() {
    return confirmation(standIn.url(), false);
  }

  private static MultivaluedMap<String, String> post(String... pairs) {
    MultivaluedMap<String, String> form = new MultivaluedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) form.add(pairs[i], pairs[i + 1]);
    return form;
  }

  private static URI closedPort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/_stepgate");
    }
  }

  @Test
  void stepgateStoppedRefusesTheSignInWithAPageSayingSo() throws Exception {
    confirmation(closedPort(), false).begin();
    assertEquals(List.of("refuse UNAVAILABLE: error 503"), flow.events);
    assertEquals(Pages.UNAVAILABLE, flow.error);
  }

  @Test
  void stepgateStoppedMidwayRefusesTooWhenFailingClosed() throws Exception {
    standIn.answer(201, CONFIRM_BY_SMS + "}");
    confirmation().begin();
    standIn.close();
    confirmation().act(post("choose", "sms"));
    assertEquals("refuse UNAVAILABLE: error 503", flow.last());
    assertNull(flow.notes.get(Confirmation.STEP_NOTE), "nothing of the transaction is kept");
  }

  @Test
  void failOpenLetsTheSignInThroughOnlyWhenStepgateCannotBeReached() throws Exception {
    confirmation(closedPort(), true).begin();
    assertEquals(List.of("proceed"), flow.events);

    standIn.answer(401, "{\"error\":\"unauthorized\",\"message\":\"That API token is not valid.\"}");
    confirmation(standIn.url(), true).begin();
    assertEquals("refuse MISCONFIGURED: error 500", flow.last(), "a refused token is stepgate's word, not an outage");
  }

  @Test
  void confirmsBySmsFromChoosingToTheRightCode() throws Exception {
    standIn
        .answer(201, CONFIRM_BY_SMS + "}")
        .answer(200, "{\"sent\":true,\"destination\":\"+1 ••• ••• ••23\"," + CONFIRM_BY_SMS.substring(1) + "}")
        .answer(400, "{\"error\":\"invalid_code\",\"message\":\"That code is not right. You have 4 attempts left with this code.\",\"attempts_left\":4}")
        .answer(200, "{\"transaction_id\":\"tx1\",\"decision\":\"done\",\"confirmation\":\"sms\",\"methods\":[]}");
    confirmation().begin();
    assertEquals("show: stepgate-methods.ftl", flow.last());

    confirmation().act(post("choose", "sms"));
    assertEquals("show: stepgate-code.ftl", flow.last());
    assertEquals("+1 ••• ••• ••23", flow.attributes.get("stepgateDestination"));
    assertEquals(true, flow.attributes.get("stepgateCanResend"));

    confirmation().act(post("verify", "", "code", "000000"));
    assertEquals("wrong code: stepgate-code.ftl", flow.last());
    assertEquals("That code is not right. You have 4 attempts left with this code.", flow.error);

    confirmation().act(post("verify", "", "code", " 123456 "));
    assertEquals("proceed", flow.last());
    assertEquals("{\"method\":\"sms\",\"code\":\"123456\"}", standIn.last().body().toString());
    assertNull(flow.notes.get(Confirmation.STEP_NOTE));
  }

  @Test
  void theSixthSmsKeepsThePersonOnTheCodePageWithStepgatesSentence() throws Exception {
    standIn
        .answer(201, CONFIRM_BY_SMS + "}")
        .answer(200, "{\"sent\":true,\"destination\":\"+1 ••• ••• ••23\"," + CONFIRM_BY_SMS.substring(1) + "}")
        .answer(429, "{\"error\":\"rate_limited\",\"message\":\"" + SMS_LIMIT + "\",\"retry_after\":3600}");
    confirmation().begin();
    confirmation().act(post("choose", "sms"));
    confirmation().act(post("resend", ""));
    assertEquals("show: stepgate-code.ftl", flow.last());
    assertEquals(SMS_LIMIT, flow.error);
    assertEquals("POST /_stepgate/sidecar/v1/transactions/tx1/send", standIn.last().method() + " " + standIn.last().path());
  }

  @Test
  void anAuthenticatorCodeNeedsNoSending() throws Exception {
    standIn.answer(201, CONFIRM_BY_SMS + "}");
    confirmation().begin();
    confirmation().act(post("choose", "authenticator"));
    assertEquals("show: stepgate-code.ftl", flow.last());
    assertEquals(false, flow.attributes.get("stepgateCanResend"));
    assertEquals(1, standIn.received().size(), "only the evaluate");
  }

  @Test
  void anEmptyCodeIsAskedForAgainWithoutACall() throws Exception {
    standIn.answer(201, CONFIRM_BY_SMS + "}").answer(200, "{\"sent\":true,\"destination\":\"+1 ••• ••• ••23\"," + CONFIRM_BY_SMS.substring(1) + "}");
    confirmation().begin();
    confirmation().act(post("choose", "sms"));
    confirmation().act(post("verify", "", "code", "  "));
    assertEquals("show: stepgate-code.ftl", flow.last());
    assertEquals(Pages.CODE_MISSING, flow.error);
    assertEquals(2, standIn.received().size());
  }

  @Test
  void anEndedTransactionIsEvaluatedAgain() throws Exception {
    standIn
        .answer(201, CONFIRM_BY_SMS + "}")
        .answer(404, "{\"error\":\"unknown_transaction\",\"message\":\"There is no such transaction, or it has expired.\"}")
        .answer(201, CONFIRM_BY_SMS.replace("tx1", "tx2") + "}");
    confirmation().begin();
    confirmation().act(post("choose", "sms"));
    assertEquals("show: stepgate-methods.ftl", flow.last());
    assertEquals("/_stepgate/sidecar/v1/evaluate", standIn.last().path());
    assertTrue(flow.notes.get(Confirmation.STEP_NOTE).contains("\"tx2\""));
  }

  @Test
  void aLockoutEndsTheSignIn() throws Exception {
    String locked = "You've exceeded the allowed number of attempts. Try again later.";
    standIn
        .answer(201, CONFIRM_BY_SMS + "}")
        .answer(423, "{\"error\":\"locked\",\"message\":\"" + locked + "\",\"retry_after\":3600}");
    confirmation().begin();
    confirmation().act(post("choose", "sms"));
    assertEquals("refuse LOCKED: error 403", flow.last());
    assertEquals(locked, flow.error);
  }

  @Test
  void registrationIsHandedToTheRequiredActionOnlyWhenItIsEnabled() throws Exception {
    String register = "{\"transaction_id\":\"tx1\",\"decision\":\"register_mobile\",\"allow_decline\":true,\"methods\":[],\"rule\":\"everyone else\"}";
    standIn.answer(201, register).answer(201, register);
    flow.requiredActionEnabled[0] = false;
    confirmation().begin();
    assertEquals("refuse MISCONFIGURED: error 500", flow.last());
    assertFalse(flow.requiredActions.contains(RegisterMobileActionFactory.ID));

    flow.requiredActionEnabled[0] = true;
    confirmation().begin();
    assertEquals("proceed", flow.last());
    assertEquals(Set.of(RegisterMobileActionFactory.ID), flow.requiredActions);
    assertEquals("settings-1", flow.notes.get(Confirmation.SETTINGS_NOTE));
    assertTrue(flow.notes.get(Confirmation.STEP_NOTE).contains("register_mobile"));
  }

  @Test
  void settingsThatCannotBeUsedRefuseTheSignInWithoutACall() {
    assertNull(Confirmation.open(flow, null));
    assertEquals(List.of("refuse MISCONFIGURED: error 500"), flow.events);

    AuthenticatorConfigModel config = new AuthenticatorConfigModel();
    config.setConfig(Map.of(StepgateSettings.URL, standIn.url().toString(), StepgateSettings.TOKEN, "${vault.missing}"));
    assertNull(Confirmation.open(flow, config));
    assertEquals("refuse MISCONFIGURED: error 500", flow.last());
    assertEquals(Pages.MISCONFIGURED, flow.error);
    assertEquals(List.of(), standIn.received());
  }
}
