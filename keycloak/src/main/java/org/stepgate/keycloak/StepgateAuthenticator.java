package org.stepgate.keycloak;

import jakarta.ws.rs.core.Response;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.AuthenticationFlowError;
import org.keycloak.authentication.Authenticator;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;

/**
 * "stepgate identity confirmation": after the password (or the identity provider), asks stepgate
 * whether this sign-in must be confirmed, and if so shows stepgate's methods and checks the code.
 * It comes after the step that identifies the user ({@link #requiresUser()}).
 */
public final class StepgateAuthenticator implements Authenticator {
  @Override
  public void authenticate(AuthenticationFlowContext context) {
    Confirmation confirmation = confirmation(context);
    if (confirmation != null) confirmation.begin();
  }

  @Override
  public void action(AuthenticationFlowContext context) {
    Confirmation confirmation = confirmation(context);
    if (confirmation != null) confirmation.act(context.getHttpRequest().getDecodedFormParameters());
  }

  /** The settings of this execution; when they cannot be used the sign-in is refused here. */
  private static Confirmation confirmation(AuthenticationFlowContext context) {
    return Confirmation.open(new Context(context), context.getAuthenticatorConfig());
  }

  /**
   * Everyone can be asked: stepgate decides per sign-in, and email needs no set-up. Answering
   * false would make Keycloak skip this step and rely on a required action an admin may disable.
   */
  @Override
  public boolean configuredFor(KeycloakSession session, RealmModel realm, UserModel user) {
    return true;
  }

  @Override
  public void setRequiredActions(KeycloakSession session, RealmModel realm, UserModel user) {
    // Never called: configuredFor is always true.
  }

  @Override
  public boolean requiresUser() {
    return true;
  }

  @Override
  public void close() {}

  /** The authenticator's side of {@link FlowStep}. */
  private static final class Context extends FlowStep {
    private final AuthenticationFlowContext context;

    Context(AuthenticationFlowContext context) {
      super(
          context.getSession(),
          context.getRealm(),
          context.getUser(),
          context.getAuthenticationSession(),
          context.getConnection(),
          context.getHttpRequest());
      this.context = context;
    }

    @Override
    LoginFormsProvider form() {
      return context.form();
    }

    @Override
    String settingsId() {
      return context.getAuthenticatorConfig().getId();
    }

    @Override
    void show(Response page, boolean wrongCode) {
      if (wrongCode) context.failureChallenge(AuthenticationFlowError.INVALID_CREDENTIALS, page);
      else context.challenge(page);
    }

    @Override
    void proceed() {
      context.success();
    }

    @Override
    void refuse(Outcome.Reason reason, Response page) {
      AuthenticationFlowError error =
          switch (reason) {
            case DENIED -> AuthenticationFlowError.ACCESS_DENIED;
            case LOCKED -> AuthenticationFlowError.USER_TEMPORARILY_DISABLED;
            default -> AuthenticationFlowError.INTERNAL_ERROR;
          };
      context.failureChallenge(error, page);
    }

    @Override
    boolean handsOverRegistration() {
      return true;
    }
  }
}
