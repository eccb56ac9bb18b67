/** Français : erreurs des points d'entrée des programmes (forward-auth, SAML, OIDC, API) et du service du support. */
import type { api as english } from '../en/api.js';

export const api: Record<keyof typeof english, string> = {
  'error.delivery_failed':
    "Nous n'avons pas pu envoyer le code pour l'instant. Réessayez dans un moment, ou choisissez un autre moyen de confirmer.",
  'error.history_key_missing':
    "La chaîne de l'historique ne peut pas être vérifiée sans sa clé : définissez STEPGATE_HISTORY_KEY là où ceci s'exécute.",

  'error.authz.untrusted_proxy':
    'Ce point de vérification ne répond qu’aux proxys listés dans server.trusted_proxies.',
  'error.authz.header_repeated': "L'en-tête {header} doit être envoyé une seule fois.",
  'error.authz.header_missing':
    "L'en-tête {header} manque ; voyez docs/forward-auth.md pour ce que le proxy doit envoyer.",
  'error.authz.header_method': "L'en-tête {header} n'est pas une méthode HTTP.",
  'error.authz.header_proto': "L'en-tête {header} doit valoir 'http' ou 'https'.",
  'error.authz.header_host': "L'en-tête {header} doit être un seul nom d'hôte, avec un port s'il y en a un.",
  'error.authz.header_target':
    "L'en-tête {header} doit être une cible de requête sans espaces ni caractères de contrôle.",
  'error.authz.header_url':
    "L'en-tête {header} doit être une URL http(s) absolue comme 'https://app.example.com/path'.",
  'error.authz.ext_authz_prefix': 'La cible de la requête doit commencer par le préfixe de chemin ext_authz.',
  'error.authz.denied': 'Votre organisation ne vous autorise pas à ouvrir cette adresse.',
  'error.authz.confirmation_here':
    "Cette adresse demande une connexion avec confirmation d'identité. Déconnectez-vous, puis reconnectez-vous depuis cette adresse.",

  'error.federation.idp_refused':
    "Votre fournisseur d'identité ne vous a pas connecté. Réessayez, ou adressez-vous à votre administrateur.",
  'error.federation.unbound':
    "Cette connexion n'a pas été commencée dans ce navigateur, ou elle a pris trop de temps. Recommencez la connexion.",
  'error.saml.replayed': 'Cette réponse de connexion a déjà été utilisée. Recommencez la connexion.',
  'error.saml.unsolicited':
    "La connexion doit commencer ici, pas chez votre fournisseur d'identité. Recommencez la connexion.",
  'error.saml.missing_response': 'La réponse de connexion manque.',
  'error.oidc.replayed': 'Cette réponse de connexion a déjà été utilisée. Recommencez la connexion.',
  'error.oidc.unavailable':
    "Votre fournisseur d'identité ne répond pas pour l'instant. Réessayez dans un moment.",

  'error.api.bad_token': "Ce jeton d'API n'est pas valide.",
  'error.api.admin_scope':
    "Ce jeton d'API ne peut pas utiliser l'API d'administration : il n'a pas la portée 'admin'.",
  'error.api.sidecar_scope':
    "Ce jeton d'API ne peut pas utiliser l'API sidecar : il n'a pas la portée 'sidecar'.",
  'error.api.sidecar_no_token': "Envoyez le jeton de l'API sidecar en Authorization: Bearer …",
  'error.api.invalid_request': "La requête n'est pas valide : {problems}.",
  'error.api.field_unknown': "{path} : n'est pas un champ connu",
  'error.api.field_required': '{path} : est obligatoire',
  'error.api.field_problem': '{path} : {problem}',
  'error.api.not_ip': 'doit être une adresse IPv4 ou IPv6',
  'error.api.not_email': 'doit être une adresse e-mail',
  'error.api.once': "'{name}' ne peut être donné qu'une fois.",
  'error.api.date':
    "'{name}' doit être une date ISO 8601 comme 2026-01-15 ou 2026-01-15T09:00:00Z, or c'est '{value}'.",
  'error.api.whole_number': "'{name}' doit être un nombre entier de {min} à {max}, or c'est '{value}'.",
  'error.api.format': "'format' doit valoir 'json' ou 'csv', or c'est '{value}'.",
  'error.sidecar.unknown_transaction':
    "Cette transaction n'existe pas, ou elle a expiré. Évaluez à nouveau la connexion.",
  'error.sidecar.wrong_step':
    "Cette transaction n'en est pas à cette étape ; son étape suivante est '{step}'.",

  'error.admin.unknown_user': "Il n'y a pas d'utilisateur nommé '{user}'.",
  'error.admin.unknown_user_anywhere':
    "Il n'y a pas d'utilisateur nommé '{user}' dans le fichier des utilisateurs ni dans l'annuaire.",
  'error.admin.unknown_credential': "'{user}' n'a pas de moyen de confirmation '{id}'.",
  'error.admin.temporary_hours':
    "Un code temporaire dure de 1 à 24 heures entières ; '{hours}' n'est pas permis.",
  'error.admin.temporary_disabled': 'Les codes temporaires ne sont pas activés dans la politique.',
  'error.admin.inactive_user': "'{user}' n'est pas actif : aucun code n'est émis.",
  'error.admin.temporary_limit.one':
    'Au plus {count} code temporaire peut être émis par utilisateur et par heure. Réessayez plus tard.',
  'error.admin.temporary_limit.other':
    'Au plus {count} codes temporaires peuvent être émis par utilisateur et par heure. Réessayez plus tard.',
  'error.admin.unknown_network': "'{user}' n'a pas de réseau mémorisé '{network}'.",
  'error.admin.unknown_set': "Il n'y a pas d'ensemble de permissions nommé '{set}'. Connus : {known}.",
};
