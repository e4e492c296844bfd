//! Dynamic registration templates for MCP servers: models and `create_dcr_template`.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::call_meta::CallMeta;
use crate::client::{json_body, Client, Request};
use crate::error::{Error, ErrorCode, Result};
use crate::lenient::Fields;
use crate::response::decode;
use crate::retry::Call;

/// Path of the create call.
pub const CREATE_DCR_TEMPLATE_PATH: &str = "/v1/mgmt/resource/dynamic-registration-template/create";

/// The time units the session settings accept.
pub const EXPIRATION_UNITS: [&str; 4] = ["minutes", "hours", "days", "weeks"];

/// Token lifetimes and JWT templates for dynamically registered clients
/// (`ThirdPartyApplicationSessionSettings`), as input: absent fields are not sent, and an
/// unknown field is an `INVALID_ARGUMENT` error (a misspelled field would otherwise be
/// sent and silently ignored). A server's answer is a [`ReturnedSessionSettings`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SessionSettings {
    /// Use these custom session settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Session (access) token lifetime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "session_token_expiration")]
    pub session_token_expiration: Option<i64>,
    /// Unit of `session_token_expiration`: minutes, hours, days or weeks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "session_token_expiration_unit")]
    pub session_token_expiration_unit: Option<String>,
    /// Refresh token lifetime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "refresh_token_expiration")]
    pub refresh_token_expiration: Option<i64>,
    /// Unit of `refresh_token_expiration`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "refresh_token_expiration_unit")]
    pub refresh_token_expiration_unit: Option<String>,
    /// JWT template for user tokens (controls claims).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "user_template_id")]
    pub user_template_id: Option<String>,
    /// JWT template for access-key tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "key_template_id")]
    pub key_template_id: Option<String>,
    /// Access-key session token lifetime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "key_session_token_expiration")]
    pub key_session_token_expiration: Option<i64>,
    /// Unit of `key_session_token_expiration`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "key_session_token_expiration_unit")]
    pub key_session_token_expiration_unit: Option<String>,
}

/// Session settings as a server returned them: the known fields, and the fields this
/// version does not know, kept verbatim (serialized back in place, flat).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReturnedSessionSettings {
    /// The known fields.
    #[serde(flatten)]
    pub settings: SessionSettings,
    /// Fields this version does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl From<SessionSettings> for ReturnedSessionSettings {
    fn from(settings: SessionSettings) -> Self {
        ReturnedSessionSettings {
            settings,
            extra: Map::new(),
        }
    }
}

/// The body of a create call. Only `name` is required.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewDcrTemplate {
    /// The template's name; unique within the project.
    #[serde(default)]
    pub name: String,
    /// Free-text description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The login page (hosted flow URL) for the registered clients; absolute http(s).
    #[serde(
        default,
        rename = "loginPageURL",
        skip_serializing_if = "Option::is_none"
    )]
    #[serde(alias = "login_page_url")]
    pub login_page_url: Option<String>,
    /// Token lifetimes and JWT templates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "session_settings")]
    pub session_settings: Option<SessionSettings>,
    /// Skip the consent screen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "skip_consent_screen")]
    pub skip_consent_screen: Option<bool>,
    /// Put all authorization info (roles, permissions) in the tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "force_add_all_authorization_info")]
    pub force_add_all_authorization_info: Option<bool>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

impl NewDcrTemplate {
    /// A template with just a name.
    pub fn new(name: impl Into<String>) -> Self {
        NewDcrTemplate {
            name: name.into(),
            ..Default::default()
        }
    }

    /// Checks every rule and reports all problems in one `INVALID_ARGUMENT` error.
    pub fn validate(&self) -> Result<()> {
        let mut problems: Vec<String> = Vec::new();
        if self.name.trim().is_empty() {
            problems.push("name is required".into());
        }
        if let Some(url) = &self.login_page_url {
            let ok = reqwest::Url::parse(url)
                .map(|u| {
                    matches!(u.scheme(), "http" | "https")
                        && u.host_str().is_some_and(|h| !h.is_empty())
                })
                .unwrap_or(false);
            if !ok {
                problems.push("loginPageURL must be an absolute http(s) URL".into());
            }
        }
        if let Some(s) = &self.session_settings {
            let pairs = [
                (
                    "sessionTokenExpiration",
                    s.session_token_expiration,
                    &s.session_token_expiration_unit,
                ),
                (
                    "refreshTokenExpiration",
                    s.refresh_token_expiration,
                    &s.refresh_token_expiration_unit,
                ),
                (
                    "keySessionTokenExpiration",
                    s.key_session_token_expiration,
                    &s.key_session_token_expiration_unit,
                ),
            ];
            for (field, amount, unit) in pairs {
                if let Some(a) = amount {
                    if a < 0 {
                        problems.push(format!("sessionSettings.{field} must be >= 0"));
                    } else if a > i64::from(i32::MAX) {
                        problems.push(format!("sessionSettings.{field} is too large"));
                    }
                }
                if let Some(u) = unit.as_deref().filter(|u| !u.is_empty()) {
                    if !EXPIRATION_UNITS.contains(&u) {
                        problems.push(format!(
                            "sessionSettings.{field}Unit must be one of minutes, hours, days, weeks"
                        ));
                    }
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::invalid_argument(format!(
                "invalid template, nothing was sent: {}",
                problems.join("; ")
            )))
        }
    }
}

/// A created dynamic registration template, as the server returned it. Decoded leniently,
/// like [`AccessKey`](crate::AccessKey): drifted fields are kept raw in `extra`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DcrTemplate {
    /// The generated id.
    pub id: String,
    /// The template's version.
    pub version: String,
    /// The name.
    pub name: String,
    /// The description.
    pub description: String,
    /// The login page URL.
    #[serde(rename = "loginPageURL")]
    pub login_page_url: String,
    /// Session settings, when the template has them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_settings: Option<ReturnedSessionSettings>,
    /// Whether the consent screen is skipped.
    pub skip_consent_screen: bool,
    /// Whether all authorization info goes into the tokens.
    pub force_add_all_authorization_info: bool,
    /// Tags.
    pub tags: Vec<String>,
    /// Creation time, as the server formats it.
    pub created_time: String,
    /// Last modification time, as the server formats it.
    pub modified_time: String,
    /// Fields this version does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    /// How the call went (ids, status, attempts, time); not part of the value.
    #[serde(skip)]
    pub meta: CallMeta,
}

impl DcrTemplate {
    /// The template as wire JSON (camelCase), including unknown fields.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

impl<'de> Deserialize<'de> for DcrTemplate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let mut f = Fields::deserialize(d)?;
        Ok(DcrTemplate {
            id: f.take_text("id"),
            version: f.take_text("version"),
            name: f.take("name"),
            description: f.take("description"),
            login_page_url: f.take("loginPageURL"),
            session_settings: f.take("sessionSettings"),
            skip_consent_screen: f.take("skipConsentScreen"),
            force_add_all_authorization_info: f.take("forceAddAllAuthorizationInfo"),
            tags: f.take("tags"),
            created_time: f.take_text("createdTime"),
            modified_time: f.take_text("modifiedTime"),
            extra: f.rest(),
            meta: CallMeta::default(),
        })
    }
}

/// A create answer: its `template` object, read leniently (see [`DcrTemplate`]). Read as a
/// map, so a repeated key (the last one counts) never costs the created template.
struct CreateAnswer {
    template: Option<DcrTemplate>,
}

impl<'de> Deserialize<'de> for CreateAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let template = match Fields::deserialize(d)?.take_raw("template") {
            t @ Value::Object(_) => DcrTemplate::deserialize(t).ok(),
            _ => None,
        };
        Ok(CreateAnswer { template })
    }
}

const CREATE_UNKNOWN: &str =
    "The template may have been created: look for it by name before creating it again";

impl Client {
    /// Creates a dynamic registration template. Validated before sending; never resent
    /// after it may have reached the server (that could create a duplicate), so such a
    /// failure is `OUTCOME_UNKNOWN`.
    pub async fn create_dcr_template(&self, template: &NewDcrTemplate) -> Result<DcrTemplate> {
        template.validate()?;
        let body = json_body(template, 1024)?;
        let ids = self.call_ids(Call::CreateDcrTemplate);
        let answer = self
            .post(Request {
                ids: &ids,
                path: CREATE_DCR_TEMPLATE_PATH,
                body,
                safety: Call::CreateDcrTemplate.safety(),
                unknown_outcome_hint: CREATE_UNKNOWN,
                batch: None,
                key_id: None,
            })
            .await?;
        const APPLIED: &str =
            "The template was probably created: look for it by name before creating it again";
        let created =
            decode::<CreateAnswer>(answer.status, &answer.body, APPLIED).and_then(|parsed| {
                parsed.template.ok_or_else(|| {
                    Error::new(
                        ErrorCode::Decode,
                        format!("HTTP {} without a template. {APPLIED}", answer.status),
                    )
                    .with_status(answer.status)
                })
            });
        created
            .map(|mut t| {
                t.meta = answer.meta(&ids);
                t
            })
            .map_err(|e| ids.attach(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> NewDcrTemplate {
        NewDcrTemplate {
            name: "MCP agents".into(),
            description: Some("d".into()),
            login_page_url: Some("https://auth.example.com/login/mcp".into()),
            session_settings: Some(SessionSettings {
                enabled: Some(true),
                session_token_expiration: Some(10),
                session_token_expiration_unit: Some("minutes".into()),
                refresh_token_expiration: Some(4),
                refresh_token_expiration_unit: Some("weeks".into()),
                user_template_id: Some("JT2".into()),
                key_template_id: Some("".into()),
                key_session_token_expiration: Some(0),
                key_session_token_expiration_unit: Some("".into()),
            }),
            skip_consent_screen: Some(false),
            force_add_all_authorization_info: Some(false),
            tags: Some(vec!["mcp".into()]),
        }
    }

    #[test]
    fn body_is_compact_with_wire_names_and_omits_absent_fields() {
        assert_eq!(
            serde_json::to_string(&NewDcrTemplate::new("x")).unwrap(),
            r#"{"name":"x"}"#
        );
        let s = serde_json::to_string(&full()).unwrap();
        assert_eq!(
            s,
            r#"{"name":"MCP agents","description":"d","loginPageURL":"https://auth.example.com/login/mcp","sessionSettings":{"enabled":true,"sessionTokenExpiration":10,"sessionTokenExpirationUnit":"minutes","refreshTokenExpiration":4,"refreshTokenExpirationUnit":"weeks","userTemplateId":"JT2","keyTemplateId":"","keySessionTokenExpiration":0,"keySessionTokenExpirationUnit":""},"skipConsentScreen":false,"forceAddAllAuthorizationInfo":false,"tags":["mcp"]}"#
        );
        assert!(full().validate().is_ok());
    }

    #[test]
    fn a_repeated_key_never_costs_the_created_template() {
        let a: CreateAnswer =
            serde_json::from_str(r#"{"template":{"id":"D1"},"x":1,"x":2,"template":{"id":"D2"}}"#)
                .unwrap();
        assert_eq!(a.template.unwrap().id, "D2");
        let a: CreateAnswer = serde_json::from_str(r#"{"template":"D1"}"#).unwrap();
        assert!(a.template.is_none());
        assert!(serde_json::from_str::<CreateAnswer>("[]").is_err());
    }

    #[test]
    fn every_rule_is_checked() {
        let cases: Vec<(NewDcrTemplate, &str)> = vec![
            (NewDcrTemplate::new(""), "name"),
            (NewDcrTemplate::new("  "), "name"),
            (
                NewDcrTemplate {
                    login_page_url: Some("/relative-pasted-secret".into()),
                    ..full()
                },
                "loginPageURL",
            ),
            (
                NewDcrTemplate {
                    login_page_url: Some("ftp://x.example.com".into()),
                    ..full()
                },
                "loginPageURL",
            ),
            (
                NewDcrTemplate {
                    session_settings: Some(SessionSettings {
                        session_token_expiration_unit: Some("pasted-secret".into()),
                        ..Default::default()
                    }),
                    ..full()
                },
                "sessionTokenExpirationUnit",
            ),
            (
                NewDcrTemplate {
                    session_settings: Some(SessionSettings {
                        refresh_token_expiration: Some(-1),
                        ..Default::default()
                    }),
                    ..full()
                },
                "refreshTokenExpiration",
            ),
            (
                NewDcrTemplate {
                    session_settings: Some(SessionSettings {
                        key_session_token_expiration: Some(-5),
                        ..Default::default()
                    }),
                    ..full()
                },
                "keySessionTokenExpiration",
            ),
        ];
        for (t, field) in cases {
            let e = t.validate().unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidArgument);
            assert!(e.message().contains(field), "{field}: {}", e.message());
            assert!(!e.message().contains("pasted-secret"), "a value was quoted");
        }
    }

    #[test]
    fn unknown_session_settings_fields_are_refused_as_input_and_kept_in_answers() {
        let e = crate::input::decode_input::<NewDcrTemplate>(
            "template",
            &serde_json::json!({"name":"n","sessionSettings":{"refreshTokenExpirationX":5,"enabled":true}}),
        )
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidArgument);
        assert!(
            e.message()
                .contains("template.sessionSettings.refreshTokenExpirationX"),
            "{}",
            e.message()
        );
        assert!(
            e.message().contains("refreshTokenExpiration,"),
            "{}",
            e.message()
        );
        let r: ReturnedSessionSettings =
            serde_json::from_str(r#"{"enabled":true,"session_token_expiration":3,"rotation":"x"}"#)
                .unwrap();
        assert_eq!(r.settings.enabled, Some(true));
        assert_eq!(r.settings.session_token_expiration, Some(3));
        assert_eq!(r.extra.len(), 1, "{:?}", r.extra);
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"enabled":true,"sessionTokenExpiration":3,"rotation":"x"}"#
        );
    }

    #[test]
    fn drifted_template_answers_keep_what_they_can() {
        let t: DcrTemplate = serde_json::from_str(
            r#"{"id":"DRT2a","name":"n","tags":null,"skipConsentScreen":"yes","sessionSettings":[],"version":null}"#,
        )
        .unwrap();
        assert_eq!(
            (t.id.as_str(), t.name.as_str(), t.version.as_str()),
            ("DRT2a", "n", "")
        );
        assert!(t.tags.is_empty() && !t.skip_consent_screen && t.session_settings.is_none());
        assert_eq!(t.extra["skipConsentScreen"], "yes");
        assert_eq!(t.extra["sessionSettings"], serde_json::json!([]));
    }

    #[test]
    fn response_tolerates_numbers_and_unknown_fields() {
        let t: DcrTemplate = serde_json::from_str(
            r#"{"id":"DRT2a","version":3,"name":"n","createdTime":"2026-01-01T00:00:00Z","modifiedTime":1700000000,"logo":"x.png"}"#,
        )
        .unwrap();
        assert_eq!(t.version, "3");
        assert_eq!(t.modified_time, "1700000000");
        assert_eq!(t.extra["logo"], "x.png");
        assert_eq!(t.to_json()["logo"], "x.png");
        assert!(
            serde_json::from_str::<NewDcrTemplate>(r#"{"name":"x","loginPageUrl":"y"}"#).is_err()
        );
    }
}
