//! GEN-09: the hearing before an adverse decision, as every channel's decision checks it.
//! (The hearing's steps and panels are still the web crate's `hearing` module.)

use crate::eappeal::AppealError;
use crate::Service;
use otinish_domain::hearing;
use otinish_domain::model::{Card, Channel, Role, StaffUser};
use otinish_domain::repo::HearingRecord;

fn internal(e: impl std::fmt::Display) -> AppealError {
    AppealError::Internal(e.to_string())
}

impl Service {
    /// GEN-09: who hears the applicant: the body's head, the executor the card is assigned to,
    /// and for VKS requests and personal reception the body's reception secretaries.
    pub fn may_hear(user: &StaffUser, card: &Card) -> bool {
        user.active
            && user.body_id == Some(card.body_id)
            && (user.has_role(Role::Head)
                || (user.has_role(Role::Executor) && card.executor_id == Some(user.id))
                || (user.has_role(Role::ReceptionSecretary)
                    && matches!(card.channel, Channel::Vks | Channel::PersonalReception)))
    }

    /// A card is open to a hearing until it is decided or closed.
    pub fn hearing_open(card: &Card) -> bool {
        !card.state.is_closed() && card.decision.is_none()
    }

    pub async fn hearings_of(&self, card_id: i64) -> Result<Vec<HearingRecord>, AppealError> {
        Ok(self.store.hearings(card_id).await?)
    }

    /// GEN-09, VC-09, VC-10: whether `decision` may be taken on the card today under the rules
    /// of its day of receipt, given its hearings. Every channel's decision passes here.
    pub async fn check_adverse_decision(
        &self,
        card: &Card,
        decision: &str,
    ) -> Result<(), AppealError> {
        let cal = self.calendar.read().await.clone();
        let gov = self
            .rulebooks
            .governing(card.channel, cal.zone().local_date(card.received_at))
            .map_err(internal)?;
        let today = cal.zone().local_date(self.clock.now());
        let hearings: Vec<_> = self
            .hearings_of(card.id)
            .await?
            .iter()
            .map(HearingRecord::hearing)
            .collect();
        hearing::check_decision(&gov, card.kind, decision, &hearings, today, &cal)
            .map_err(AppealError::Decision)
    }
}
