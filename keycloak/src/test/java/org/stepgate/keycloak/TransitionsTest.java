package org.stepgate.keycloak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every answer stepgate can give, and what the sign-in does next: only stepgate's word lets it go on. */
class TransitionsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SMS_LIMIT =
      "Unable to send you a verification code at this time. You may have attempted too many verifications in the last hour. Try again later.";
  private static final String LOCKED = "You've exceeded the allowed number of attempts. Try again later.";
  private static final Step ON_THE_CODE_PAGE =
      new Step("tx1", "confirm", List.of(new Step.Method("sms", "+1 ••• ••• ••23")), false, "sms", "+1 ••• ••• ••23", null);

  private static SidecarAnswer answer(int status, String json) throws Exception {
    return new SidecarAnswer(status, JSON.readTree(json));
  }

  private static StepgateSettings settings(boolean failOpen) {
    return new StepgateSettings(URI.create("http://127.0.0.1:1/_stepgate"), "t", Duration.ofSeconds(5), Set.of(), failOpen, "phoneNumber", "userType");
  }

  @Test
  void skipLetsTheSignInGoOn() throws Exception {
    Outcome outcome = Transitions.afterEvaluate(answer(200, "{\"decision\":\"skip\",\"rule\":\"SAML federation\",\"reason\":\"skipped\",\"methods\":[]}"));
    assertEquals(new Outcome.Proceed("skip"), outcome);
  }

  @Test
  void denyRefusesIt() throws Exception {
    Outcome outcome = Transitions.afterEvaluate(answer(200, "{\"decision\":\"deny\",\"rule\":\"no contractors\",\"methods\":[]}"));
    assertEquals(new Outcome.Refuse(Outcome.Reason.DENIED, "policy rule 'no contractors'"), outcome);
  }

  @Test
  void confirmShowsTheMethods() throws Exception {
    Outcome outcome =
        Transitions.afterEvaluate(
            answer(201, "{\"transaction_id\":\"tx1\",\"decision\":\"confirm\",\"methods\":[{\"id\":\"email\",\"destination\":\"a•••@example.com\"},{\"id\":\"authenticator\"}],\"rule\":\"everyone else\"}"));
    Step step = assertInstanceOf(Outcome.Show.class, outcome).step();
    assertEquals("tx1", step.transaction());
    assertEquals(List.of(new Step.Method("email", "a•••@example.com"), new Step.Method("authenticator", null)), step.methods());
    assertEquals(null, step.method(), "the person chooses first");
  }

  @Test
  void registerMobileHandsOverToTheRequiredAction() throws Exception {
    Outcome outcome =
        Transitions.afterEvaluate(
            answer(201, "{\"transaction_id\":\"tx1\",\"decision\":\"register_mobile\",\"allow_decline\":true,\"methods\":[],\"rule\":\"everyone else\"}"));
    Step step = assertInstanceOf(Outcome.RegisterMobile.class, outcome).step();
    assertTrue(step.allowDecline());
  }

  @Test
  void anEvaluateStepgateRefusedIsNeverAPass() throws Exception {
    for (SidecarAnswer refused :
        List.of(
            answer(400, "{\"error\":\"invalid_request\",\"message\":\"The request is not valid: email: Invalid email address.\"}"),
            answer(401, "{\"error\":\"unauthorized\",\"message\":\"That API token is not valid.\"}"),
            answer(403, "{\"error\":\"insufficient_scope\",\"message\":\"That API token may not use the sidecar API.\"}"),
            answer(200, "{\"decision\":\"maybe\"}"),
            answer(201, "{\"decision\":\"confirm\"}"),
            new SidecarAnswer(200, null))) {
      Outcome outcome = Transitions.afterEvaluate(refused);
      assertEquals(Outcome.Reason.MISCONFIGURED, assertInstanceOf(Outcome.Refuse.class, outcome).reason(), refused.toString());
    }
  }

  @Test
  void aWrongCodeStaysOnThePageAndCountsAsAFailure() throws Exception {
    Outcome outcome =
        Transitions.afterStep(
            ON_THE_CODE_PAGE,
            answer(400, "{\"error\":\"invalid_code\",\"message\":\"That code is not right. You have 4 attempts left with this code.\",\"attempts_left\":4}"),
            s -> s);
    assertEquals(new Outcome.Show(ON_THE_CODE_PAGE, "That code is not right. You have 4 attempts left with this code.", true), outcome);
  }

  @Test
  void theSixthSmsShowsStepgatesSentenceOnTheSamePage() throws Exception {
    Outcome outcome =
        Transitions.afterStep(
            ON_THE_CODE_PAGE, answer(429, "{\"error\":\"rate_limited\",\"message\":\"" + SMS_LIMIT + "\",\"retry_after\":3600}"), s -> s);
    assertEquals(new Outcome.Show(ON_THE_CODE_PAGE, SMS_LIMIT, false), outcome);
  }

  @Test
  void aLockoutEndsTheSignInWithStepgatesSentence() throws Exception {
    Outcome outcome =
        Transitions.afterStep(
            ON_THE_CODE_PAGE, answer(423, "{\"error\":\"locked\",\"message\":\"" + LOCKED + "\",\"retry_after\":3600}"), s -> s);
    assertEquals(new Outcome.Refuse(Outcome.Reason.LOCKED, LOCKED), outcome);
  }

  @Test
  void anEndedTransactionStartsOverAndAWrongStepIsReadAgain() throws Exception {
    assertEquals(
        new Outcome.Restart(),
        Transitions.afterStep(ON_THE_CODE_PAGE, answer(404, "{\"error\":\"unknown_transaction\",\"message\":\"There is no such transaction.\"}"), s -> s));
    assertEquals(
        new Outcome.Resync("This transaction is not at that step; its next step is 'register_mobile'."),
        Transitions.afterStep(
            ON_THE_CODE_PAGE,
            answer(409, "{\"error\":\"wrong_step\",\"message\":\"This transaction is not at that step; its next step is 'register_mobile'.\"}"),
            s -> s));
  }

  @Test
  void aFailedDeliveryAndARefusedDeclineStayOnThePage() throws Exception {
    assertEquals(
        new Outcome.Show(ON_THE_CODE_PAGE, "The text could not be sent.", false),
        Transitions.afterStep(ON_THE_CODE_PAGE, answer(503, "{\"error\":\"delivery_failed\",\"message\":\"The text could not be sent.\"}"), s -> s));
    assertEquals(
        new Outcome.Show(ON_THE_CODE_PAGE, "You cannot skip this.", false),
        Transitions.afterStep(ON_THE_CODE_PAGE, answer(403, "{\"error\":\"decline_not_allowed\",\"message\":\"You cannot skip this.\"}"), s -> s));
  }

  @Test
  void doneEndsTheStepAndOtherAnswersMoveToTheNextPage() throws Exception {
    assertEquals(
        new Outcome.Proceed("sms"),
        Transitions.afterStep(
            ON_THE_CODE_PAGE,
            answer(200, "{\"transaction_id\":\"tx1\",\"expires_at\":\"2026-01-15T09:10:00.000Z\",\"decision\":\"done\",\"confirmation\":\"sms\",\"methods\":[]}"),
            s -> s));
    Outcome sent =
        Transitions.afterStep(
            ON_THE_CODE_PAGE.withMethod(null, null),
            answer(200, "{\"sent\":true,\"destination\":\"+1 ••• ••• ••23\",\"transaction_id\":\"tx1\",\"decision\":\"confirm\",\"methods\":[{\"id\":\"sms\",\"destination\":\"+1 ••• ••• ••23\"}]}"),
            s -> s.withMethod("sms", "+1 ••• ••• ••23"));
    assertEquals(new Outcome.Show(ON_THE_CODE_PAGE), sent);
  }

  @Test
  void unreachableFailsClosedUnlessTheAdminChoseOpen() {
    SidecarUnreachable down = new SidecarUnreachable("stepgate cannot be reached at http://127.0.0.1:1/_stepgate/sidecar/v1/evaluate", null);
    assertEquals(new Outcome.Refuse(Outcome.Reason.UNAVAILABLE, down.getMessage()), Transitions.unreachable(settings(false), down));
    assertEquals(new Outcome.Proceed(down.getMessage(), true), Transitions.unreachable(settings(true), down));
  }

  @Test
  void anUnexpectedStatusAtAStepIsNeverAPass() throws Exception {
    for (int status : new int[] {401, 403, 418, 500}) {
      Outcome outcome = Transitions.afterStep(ON_THE_CODE_PAGE, answer(status, "{\"error\":\"x\",\"message\":\"y\"}"), s -> s);
      assertInstanceOf(Outcome.Refuse.class, outcome, "status " + status);
    }
  }
}
