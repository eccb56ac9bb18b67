package org.stepgate.keycloak;

import jakarta.ws.rs.core.Response;
import org.keycloak.common.ClientConnection;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.http.HttpRequest;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.sessions.AuthenticationSessionModel;

/**
 * What {@link Confirmation} needs from Keycloak, the same whether an authenticator or the
 * required action is running: the two SPIs hand over different context objects for one sign-in.
 */
interface FlowStep {
  KeycloakSession session();

  RealmModel realm();

  UserModel user();

  AuthenticationSessionModel authSession();

  ClientConnection connection();

  HttpRequest request();

  LoginFormsProvider form();

  /** The id of the authenticator's settings (AuthenticatorConfigModel) this sign-in uses. */
  String settingsId();

  /** Shows a page and waits for the person's answer; {@code wrongCode} counts as a failed attempt. */
  void show(Response page, boolean wrongCode);

  /** This step is over; the sign-in goes on. */
  void proceed();

  /** The sign-in stops here with this page. */
  void refuse(Outcome.Reason reason, Response page);

  /**
   * stepgate wants a mobile number first. The authenticator hands over to the required action
   * (true); the required action asks for it itself (false).
   */
  boolean handsOverRegistration();
}
