package org.stepgate.keycloak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Where one sign-in stands with stepgate: the transaction and its step as the sidecar last
 * described them, plus what the person chose on our pages (a method, a number being registered).
 * It travels in the authentication session, never in a page or a URL.
 */
public record Step(
    String transaction,
    String decision,
    List<Method> methods,
    boolean allowDecline,
    String method,
    String destination,
    String phone) {

  public static final String CONFIRM = "confirm";
  public static final String REGISTER_MOBILE = "register_mobile";

  /** One offered method; the destination is masked by stepgate (`+1 ••• ••• ••23`). */
  public record Method(String id, String destination) {
    /** SMS and email send a code; the authenticator app and a help desk's code need no sending. */
    public boolean sendsCode() {
      return "sms".equals(id) || "email".equals(id);
    }
  }

  public Step {
    methods = methods == null ? List.of() : List.copyOf(methods);
  }

  /** The step a successful sidecar answer describes (`confirm` or `register_mobile`). */
  public static Step of(SidecarAnswer answer) {
    JsonNode body = answer.body();
    return new Step(
        body.path("transaction_id").asText(null),
        answer.decision(),
        methods(body.path("methods")),
        body.path("allow_decline").asBoolean(false),
        null,
        null,
        null);
  }

  private static List<Method> methods(JsonNode list) {
    List<Method> methods = new ArrayList<>();
    for (JsonNode m : list) methods.add(new Method(m.path("id").asText(), m.path("destination").asText(null)));
    return methods;
  }

  public boolean confirming() {
    return CONFIRM.equals(decision);
  }

  public boolean registering() {
    return REGISTER_MOBILE.equals(decision);
  }

  public Method offered(String id) {
    return methods.stream().filter(m -> m.id().equals(id)).findFirst().orElse(null);
  }

  public Step withMethod(String chosen, String sentTo) {
    return new Step(transaction, decision, methods, allowDecline, chosen, sentTo, phone);
  }

  public Step withPhone(String number, String sentTo) {
    return new Step(transaction, decision, methods, allowDecline, method, sentTo, number);
  }

  /** A new description of the same transaction keeps what the person chose on this step. */
  public Step keeping(Step before) {
    if (before == null || !decision.equals(before.decision)) return this;
    return new Step(transaction, decision, methods, allowDecline, before.method, before.destination, before.phone);
  }

  public String toJson() {
    ObjectNode json = JsonNodeFactory.instance.objectNode();
    json.put("transaction_id", transaction);
    json.put("decision", decision);
    ArrayNode list = json.putArray("methods");
    for (Method m : methods) {
      ObjectNode item = list.addObject().put("id", m.id());
      if (m.destination() != null) item.put("destination", m.destination());
    }
    json.put("allow_decline", allowDecline);
    if (method != null) json.put("method", method);
    if (destination != null) json.put("destination", destination);
    if (phone != null) json.put("phone", phone);
    return json.toString();
  }

  public static Step fromJson(JsonNode json) {
    return new Step(
        json.path("transaction_id").asText(null),
        json.path("decision").asText(""),
        methods(json.path("methods")),
        json.path("allow_decline").asBoolean(false),
        json.path("method").asText(null),
        json.path("destination").asText(null),
        json.path("phone").asText(null));
  }
}
