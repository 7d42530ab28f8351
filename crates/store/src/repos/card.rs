//! [`CardRepo`](otinish_domain::repo::CardRepo) for both backends, expanded next to
//! [`impl_repos!`] so that it shares its helpers (rows, transactions, the journal).

macro_rules! impl_card_repo {
    ($store:ty, $db:ty) => {
        /// One row of a 1-OL count (the cards' own query or the tally's).
        fn report_group_row(r: &DbRow) -> Result<otinish_domain::report::ReportGroup, sqlx::Error> {
            use otinish_domain::report::{ApplicantType, ReportGroup, TermOutcome};
            let kind: String = r.try_get("kind")?;
            let channel: String = r.try_get("channel")?;
            let applicant: String = r.try_get("applicant")?;
            let state: String = r.try_get("state")?;
            let decision: String = r.try_get("decision")?;
            let int = |name: &str| r.try_get::<i32, _>(name).map(i64::from).or_else(|_| r.try_get::<i64, _>(name));
            let term = int("term")?;
            let redirected_to = int("redirected_to")?;
            Ok(ReportGroup {
                body_id: r.try_get("body_id")?,
                kind: AppealKind::parse(&kind).ok_or_else(|| decode_err("kind", &kind))?,
                channel: Channel::parse(&channel).ok_or_else(|| decode_err("channel", &channel))?,
                applicant: ApplicantType::parse(&applicant).ok_or_else(|| decode_err("applicant", &applicant))?,
                state: CardState::parse(&state).ok_or_else(|| decode_err("state", &state))?,
                decision: (!decision.is_empty()).then_some(decision),
                collective: r.try_get("collective")?,
                repeated: int("repeated")? == 1,
                redirected_to: (redirected_to != 0).then_some(redirected_to),
                term: match term {
                    0 => TermOutcome::NoTerm,
                    1 => TermOutcome::Kept,
                    _ => TermOutcome::Broken,
                },
                count: r.try_get("n")?,
            })
        }

        #[async_trait]
        impl CardRepo for $store {
            async fn create_card(&self, c: &NewCard, deadlines: &[StoredDeadline], journal: JournalDraft) -> StoreResult<Card> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let id = Self::insert_card(&mut tx, c).await.map_err(map_err)?;
                Self::put_deadlines(&mut tx, id, deadlines).await.map_err(map_err)?;
                let mut j = journal;
                j.subject = format!("card:{id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                let row = sqlx::query(&format!("{CARD_SELECT} WHERE c.id = $1"))
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let card = card_row(&row).map_err(map_err)?;
                self.commit(tx).await?;
                Ok(card)
            }

            async fn card(&self, id: i64) -> StoreResult<Card> {
                let row = sqlx::query(&format!("{CARD_SELECT} WHERE c.id = $1"))
                    .bind(id)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound(format!("card {id}")))?;
                card_row(&row).map_err(map_err)
            }

            async fn cards_of_body(&self, body_id: i64, page: PageRequest) -> StoreResult<Page<Card>> {
                let rows = sqlx::query(&format!("{CARD_SELECT} WHERE c.body_id = $1 ORDER BY c.id DESC LIMIT $2 OFFSET $3"))
                    .bind(body_id)
                    .bind(i64::from(page.limit))
                    .bind(i64::from(page.offset))
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                let total: i64 = sqlx::query("SELECT COUNT(*) AS n FROM card WHERE body_id = $1")
                    .bind(body_id)
                    .fetch_one(self.reader())
                    .await
                    .and_then(|r| r.try_get("n"))
                    .map_err(map_err)?;
                let items = rows.iter().map(card_row).collect::<Result<_, _>>().map_err(map_err)?;
                Ok(Page { items, total, request: page })
            }

            async fn register_card(
                &self,
                card_id: i64,
                from: CardState,
                year: i32,
                registered_at: DateTime<Utc>,
                executor_id: Option<i64>,
                deadlines: &[StoredDeadline],
                notices: &(dyn for<'r> Fn(&'r RegNumber) -> Vec<NewNotice> + Sync),
                journal: JournalDraft,
            ) -> StoreResult<RegNumber> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let number = Self::register_in(&mut tx, card_id, from, year, registered_at, executor_id, deadlines, notices, journal).await?;
                self.commit(tx).await?;
                Ok(number)
            }

            async fn transition_card(
                &self,
                card_id: i64,
                from: CardState,
                to: CardState,
                update: &CardUpdate,
                notices: &[NewNotice],
                journal: JournalDraft,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                Self::transition_in(&mut tx, card_id, from, to, update, notices, journal).await?;
                self.commit(tx).await
            }

            async fn add_term_event(
                &self,
                card_id: i64,
                event: &TermEvent,
                deadlines: &[StoredDeadline],
                journal: JournalDraft,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let text = serde_json::to_string(event).map_err(|e| StoreError::Backend(e.to_string()))?;
                sqlx::query("INSERT INTO card_term_event (card_id, event) VALUES ($1, $2)")
                    .bind(card_id)
                    .bind(&text)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                Self::put_deadlines(&mut tx, card_id, deadlines).await.map_err(map_err)?;
                let mut j = journal;
                j.subject = format!("card:{card_id}");
                j.details = text;
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await
            }

            async fn inbox(&self, body_id: i64, states: &[CardState], page: PageRequest) -> StoreResult<Page<Card>> {
                self.newest_in_states("c.body_id = $1", body_id, states, page).await
            }

            async fn card_list(
                &self,
                body_id: i64,
                states: &[CardState],
                filter: &CardFilter,
                sort: CardSort,
                page: PageRequest,
            ) -> StoreResult<Page<Card>> {
                if states.is_empty() {
                    return Ok(Page { items: Vec::new(), total: 0, request: page });
                }
                if filter.is_empty() && sort == CardSort::Received {
                    // The common case has its own index-friendly query.
                    return self.newest_in_states("c.body_id = $1", body_id, states, page).await;
                }
                // Every value is bound; the SQL text comes from closed enums and this code only.
                let push_where = |q: &mut sqlx::QueryBuilder<'_, $db>| {
                    q.push(" WHERE c.body_id = ").push_bind(body_id);
                    q.push(format!(" AND c.state IN ({})", state_list(states)));
                    if let Some(k) = filter.kind {
                        q.push(" AND c.kind = ").push_bind(k.as_str());
                    }
                    if let Some(ch) = filter.channel {
                        q.push(" AND c.channel = ").push_bind(ch.as_str());
                    }
                    if let Some(e) = filter.executor_id {
                        q.push(" AND c.executor_id = ").push_bind(e);
                    }
                    if let Some(until) = filter.answer_due_before {
                        q.push(" AND d.due_at < ").push_bind(micros(until)).push(" AND NOT d.paused");
                    }
                };
                let from = format!(
                    " FROM card c JOIN body b ON b.id = c.body_id \
                     LEFT JOIN card_deadline d ON d.card_id = c.id AND d.key = '{}' \
                     LEFT JOIN staff s ON s.id = c.executor_id",
                    otinish_domain::deadline::ANSWER
                );
                let order = match sort {
                    CardSort::Received => "c.id DESC".to_owned(),
                    CardSort::ReceivedOldest => "c.id".to_owned(),
                    CardSort::Term => "(d.due_at IS NULL), d.due_at, c.id".to_owned(),
                    CardSort::State => {
                        let mut o = String::from("CASE c.state");
                        for (i, st) in CardState::ALL.iter().enumerate() {
                            o.push_str(&format!(" WHEN '{}' THEN {i}", st.as_str()));
                        }
                        o.push_str(" END, c.id DESC");
                        o
                    }
                    CardSort::Executor => "(s.full_name IS NULL), s.full_name, c.id DESC".to_owned(),
                };
                let mut q = sqlx::QueryBuilder::<$db>::new("SELECT c.*, b.code AS body_code");
                q.push(&from);
                push_where(&mut q);
                q.push(format!(" ORDER BY {order} LIMIT "))
                    .push_bind(i64::from(page.limit))
                    .push(" OFFSET ")
                    .push_bind(i64::from(page.offset));
                let rows = q.build().fetch_all(self.reader()).await.map_err(map_err)?;
                let mut c = sqlx::QueryBuilder::<$db>::new("SELECT COUNT(*) AS n FROM (SELECT 1");
                c.push(&from);
                push_where(&mut c);
                c.push(format!(" LIMIT {}) AS t", COUNT_CAP + 1));
                let total: i64 = c
                    .build()
                    .fetch_one(self.reader())
                    .await
                    .and_then(|r| r.try_get("n"))
                    .map_err(map_err)?;
                let items = rows.iter().map(card_row).collect::<Result<_, _>>().map_err(map_err)?;
                Ok(Page { items, total, request: page })
            }

            async fn to_sign(&self, body_id: i64, signatory: &str, page: PageRequest) -> StoreResult<Page<Card>> {
                let filter = "c.body_id = $1 AND c.state = 'decided' AND NOT EXISTS \
                     (SELECT 1 FROM answer_signature s WHERE s.card_id = c.id AND s.role = $2)";
                let rows = sqlx::query(&format!("{CARD_SELECT} WHERE {filter} ORDER BY c.id LIMIT $3 OFFSET $4"))
                    .bind(body_id)
                    .bind(signatory)
                    .bind(i64::from(page.limit))
                    .bind(i64::from(page.offset))
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                let total: i64 = sqlx::query(&format!("SELECT COUNT(*) AS n FROM card c WHERE {filter}"))
                    .bind(body_id)
                    .bind(signatory)
                    .fetch_one(self.reader())
                    .await
                    .and_then(|r| r.try_get("n"))
                    .map_err(map_err)?;
                let items = rows.iter().map(card_row).collect::<Result<_, _>>().map_err(map_err)?;
                Ok(Page { items, total, request: page })
            }

            async fn channel_inbox(&self, body_id: i64, channel: Channel, states: &[CardState], page: PageRequest) -> StoreResult<Page<Card>> {
                // The channel key comes from the closed enum, never from input.
                let filter = format!("c.body_id = $1 AND c.channel = '{}'", channel.as_str());
                self.newest_in_states(&filter, body_id, states, page).await
            }

            async fn cards_of_executor(&self, staff_id: i64, states: &[CardState], page: PageRequest) -> StoreResult<Page<Card>> {
                self.newest_in_states("c.executor_id = $1", staff_id, states, page).await
            }

            async fn reassign_cards(&self, from: i64, to: i64, card_ids: &[i64], states: &[CardState], journal: JournalDraft) -> StoreResult<Vec<i64>> {
                let open = state_list(states);
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let mut moved = Vec::new();
                for id in card_ids {
                    let done = sqlx::query(&format!(
                        "UPDATE card SET executor_id = $1 WHERE id = $2 AND executor_id = $3 AND state IN ({open})"
                    ))
                    .bind(to)
                    .bind(id)
                    .bind(from)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    if done.rows_affected() == 1 {
                        let mut j = journal.clone();
                        j.subject = format!("card:{id}");
                        Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                        moved.push(*id);
                    }
                }
                self.commit(tx).await?;
                Ok(moved)
            }

            async fn executor_loads(&self, body_id: i64) -> StoreResult<Vec<(StaffUser, i64)>> {
                // The counts the database keeps as cards move (migration 0027): the same cost
                // however many cards are open.
                let rows = sqlx::query(
                    "SELECT s.*, CAST(COALESCE(l.open_cards, 0) AS BIGINT) AS open_cards \
                     FROM staff s LEFT JOIN executor_load l ON l.staff_id = s.id \
                     WHERE s.body_id = $1 AND s.active ORDER BY s.id",
                )
                .bind(body_id)
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter()
                    .map(|r| Ok((staff_row(r)?, r.try_get::<i64, _>("open_cards")?)))
                    .collect::<Result<Vec<_>, sqlx::Error>>()
                    .map_err(map_err)
            }

            async fn report_groups(
                &self,
                body_ids: &[i64],
                from: DateTime<Utc>,
                to: DateTime<Utc>,
                now: DateTime<Utc>,
            ) -> StoreResult<Vec<otinish_domain::report::ReportGroup>> {
                if body_ids.is_empty() {
                    return Ok(Vec::new());
                }
                // Ids are numbers, written into the statement as such; each body's cards of the
                // period are one range of the (body_id, received_at) index.
                let ids = $crate::shared::id_list(body_ids);
                let term = "CASE WHEN d.due_at IS NULL THEN 0 WHEN COALESCE(c.closed_at, $3) <= d.due_at THEN 1 ELSE 2 END";
                let rows = sqlx::query(&format!(
                    "SELECT c.body_id, c.kind, c.channel, COALESCE(a.kind, 'individual') AS applicant, c.state, \
                     COALESCE(c.decision, '') AS decision, c.collective, {term} AS term, \
                     CASE WHEN c.main_card_id IS NULL THEN 0 ELSE 1 END AS repeated, \
                     COALESCE(c.redirected_to_body_id, 0) AS redirected_to, COUNT(*) AS n \
                     FROM card c LEFT JOIN card_deadline d ON d.card_id = c.id AND d.key = 'answer' \
                     LEFT JOIN applicant a ON a.id = c.applicant_id \
                     WHERE c.body_id IN ({ids}) AND c.received_at >= $1 AND c.received_at < $2 \
                     GROUP BY c.body_id, c.kind, c.channel, COALESCE(a.kind, 'individual'), c.state, \
                     COALESCE(c.decision, ''), c.collective, {term}, \
                     CASE WHEN c.main_card_id IS NULL THEN 0 ELSE 1 END, COALESCE(c.redirected_to_body_id, 0)"
                ))
                .bind(micros(from))
                .bind(micros(to))
                .bind(micros(now))
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter()
                    .map(report_group_row)
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(map_err)
            }

            async fn received_counts(&self, body_ids: &[i64], bounds: &[DateTime<Utc>]) -> StoreResult<Vec<i64>> {
                if body_ids.is_empty() {
                    return Ok(vec![0; bounds.len().saturating_sub(1)]);
                }
                let ids = $crate::shared::id_list(body_ids);
                let mut out = Vec::with_capacity(bounds.len());
                for w in bounds.windows(2) {
                    let n: i64 = sqlx::query(&format!(
                        "SELECT COUNT(*) AS n FROM card WHERE body_id IN ({ids}) AND received_at >= $1 AND received_at < $2"
                    ))
                    .bind(micros(w[0]))
                    .bind(micros(w[1]))
                    .fetch_one(self.reader())
                    .await
                    .and_then(|r| r.try_get("n"))
                    .map_err(map_err)?;
                    out.push(n);
                }
                Ok(out)
            }

            async fn answer_hours_middle(&self, body_ids: &[i64], from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<(i64, Vec<i64>)> {
                if body_ids.is_empty() {
                    return Ok((0, Vec::new()));
                }
                let ids = $crate::shared::id_list(body_ids);
                // The answered cards' partial index (migration 0030) holds all three columns.
                let answered = format!(
                    "FROM card WHERE body_id IN ({ids}) AND closed_at >= $1 AND closed_at < $2 \
                     AND state IN ('answered', 'archived') AND redirected_to_body_id IS NULL"
                );
                let n: i64 = sqlx::query(&format!("SELECT COUNT(*) AS n {answered}"))
                    .bind(micros(from))
                    .bind(micros(to))
                    .fetch_one(self.reader())
                    .await
                    .and_then(|r| r.try_get("n"))
                    .map_err(map_err)?;
                if n == 0 {
                    return Ok((0, Vec::new()));
                }
                let rows = sqlx::query(&format!(
                    "SELECT (closed_at - received_at) / 3600000000 AS h {answered} \
                     ORDER BY h LIMIT $3 OFFSET $4"
                ))
                .bind(micros(from))
                .bind(micros(to))
                .bind(if n % 2 == 1 { 1_i64 } else { 2 })
                .bind((n - 1) / 2)
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                let middle = rows
                    .iter()
                    .map(|r| r.try_get::<i64, _>("h"))
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(map_err)?;
                Ok((n, middle))
            }

            async fn survey_ratings(&self, body_ids: &[i64], from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<[i64; 5]> {
                let mut out = [0; 5];
                if body_ids.is_empty() {
                    return Ok(out);
                }
                let ids = $crate::shared::id_list(body_ids);
                let rows = sqlx::query(&format!(
                    "SELECT rating, COUNT(*) AS n FROM pr_signup WHERE body_id IN ({ids}) AND rating IS NOT NULL \
                     AND closed_at >= $1 AND closed_at < $2 GROUP BY rating"
                ))
                .bind(micros(from))
                .bind(micros(to))
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                for r in &rows {
                    let rating = r.try_get::<i32, _>("rating").map(i64::from).or_else(|_| r.try_get::<i64, _>("rating")).map_err(map_err)?;
                    if let Some(slot) = usize::try_from(rating - 1).ok().and_then(|i| out.get_mut(i)) {
                        *slot = r.try_get("n").map_err(map_err)?;
                    }
                }
                Ok(out)
            }

            async fn deadlines(&self, card_id: i64) -> StoreResult<Vec<StoredDeadline>> {
                let rows = sqlx::query("SELECT * FROM card_deadline WHERE card_id = $1 ORDER BY due_at, key")
                    .bind(card_id)
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(deadline_row).collect::<Result<_, _>>().map_err(map_err)
            }

            async fn deadline_dates(&self, card_ids: &[i64]) -> StoreResult<Vec<(i64, StoredDeadline)>> {
                if card_ids.is_empty() {
                    return Ok(Vec::new());
                }
                // Ids are numbers, written into the statement as such.
                let ids = $crate::shared::id_list(card_ids);
                let rows = sqlx::query(&format!(
                    "SELECT card_id, key, rule, rulebook, due_at, due_on, paused, '' AS explanation \
                     FROM card_deadline WHERE card_id IN ({ids}) ORDER BY card_id, due_at"
                ))
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter()
                    .map(|r| Ok((r.try_get("card_id")?, deadline_row(r)?)))
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(map_err)
            }

            async fn open_cases(&self, after_id: i64, limit: u32) -> StoreResult<Vec<OpenCase>> {
                // Open states listed, so the (state, id) index reads only open cards: closed ones
                // are most of a body's history.
                let list = state_list(&CardState::ALL.iter().copied().filter(|s| !s.is_closed()).collect::<Vec<_>>());
                let rows = sqlx::query(&format!(
                    "{CARD_SELECT} WHERE c.id > $1 AND c.state IN ({list}) ORDER BY c.id LIMIT $2"
                ))
                .bind(after_id)
                .bind(i64::from(limit))
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    let card = card_row(r).map_err(map_err)?;
                    let events = sqlx::query("SELECT event FROM card_term_event WHERE card_id = $1 ORDER BY id")
                        .bind(card.id)
                        .fetch_all(self.reader())
                        .await
                        .map_err(map_err)?
                        .iter()
                        .map(|e| {
                            let t: String = e.try_get("event")?;
                            serde_json::from_str::<TermEvent>(&t).map_err(|e| sqlx::Error::Decode(Box::new(e)))
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(map_err)?;
                    let deadlines = self.deadlines(card.id).await?;
                    out.push(OpenCase { card, events, deadlines });
                }
                Ok(out)
            }

            async fn replace_deadlines(&self, card_id: i64, deadlines: &[StoredDeadline], journal: JournalDraft) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                Self::put_deadlines(&mut tx, card_id, deadlines).await.map_err(map_err)?;
                let mut j = journal;
                j.subject = format!("card:{card_id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await
            }

            async fn due_cards(
                &self,
                scope: CardScope,
                until: DateTime<Utc>,
                page: PageRequest,
            ) -> StoreResult<Page<(Card, DateTime<Utc>)>> {
                let open = state_list(&CardState::ALL.iter().copied().filter(|s| !s.is_closed()).collect::<Vec<_>>());
                // The card's own index (body or executor, then state) drives the query: the
                // deadline index would also reach every closed card's old terms.
                let executor = if scope.executor_id.is_some() { "AND c.executor_id = $3" } else { "AND $3 IS NULL" };
                let filter = format!(
                    "FROM card c CROSS JOIN card_deadline d JOIN body b ON b.id = c.body_id \
                     WHERE c.body_id = $1 {executor} AND c.state IN ({open}) \
                     AND d.card_id = c.id AND d.key = 'answer' AND NOT d.paused AND d.due_at < $2"
                );
                let rows = sqlx::query(&format!(
                    "SELECT c.*, b.code AS body_code, d.due_at AS term_due_at {filter} \
                     ORDER BY d.due_at, c.id LIMIT $4 OFFSET $5"
                ))
                .bind(scope.body_id)
                .bind(micros(until))
                .bind(scope.executor_id)
                .bind(i64::from(page.limit))
                .bind(i64::from(page.offset))
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                let total: i64 = sqlx::query(&format!("SELECT COUNT(*) AS n {filter}"))
                    .bind(scope.body_id)
                    .bind(micros(until))
                    .bind(scope.executor_id)
                    .fetch_one(self.reader())
                    .await
                    .and_then(|r| r.try_get("n"))
                    .map_err(map_err)?;
                let items = rows
                    .iter()
                    .map(|r| Ok((card_row(r)?, from_micros(r.try_get("term_due_at")?))))
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(map_err)?;
                Ok(Page { items, total, request: page })
            }

            async fn due_summary(
                &self,
                scope: CardScope,
                overdue_before: DateTime<Utc>,
                due_before: DateTime<Utc>,
                limit: u32,
            ) -> StoreResult<DueSummary> {
                let open = state_list(&CardState::ALL.iter().copied().filter(|s| !s.is_closed()).collect::<Vec<_>>());
                let executor = if scope.executor_id.is_some() { "AND c.executor_id = $4" } else { "AND $4 IS NULL" };
                // One scan of the scope's open cards: the counts are window sums over every
                // match, computed before the limit takes the soonest rows (overdue ones first).
                let rows = sqlx::query(&format!(
                    "SELECT c.*, b.code AS body_code, d.due_at AS term_due_at, \
                     COUNT(*) OVER () AS due_n, \
                     SUM(CASE WHEN d.due_at < $2 THEN 1 ELSE 0 END) OVER () AS overdue_n \
                     FROM card c CROSS JOIN card_deadline d JOIN body b ON b.id = c.body_id \
                     WHERE c.body_id = $1 {executor} AND c.state IN ({open}) \
                     AND d.card_id = c.id AND d.key = 'answer' AND NOT d.paused AND d.due_at < $3 \
                     ORDER BY d.due_at, c.id LIMIT $5"
                ))
                .bind(scope.body_id)
                .bind(micros(overdue_before))
                .bind(micros(due_before.max(overdue_before)))
                .bind(scope.executor_id)
                .bind(i64::from(limit.max(1)))
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                let mut out = DueSummary { overdue: 0, due: 0, first_overdue: Vec::new() };
                for r in &rows {
                    out.due = r.try_get("due_n").map_err(map_err)?;
                    out.overdue = r
                        .try_get::<Option<i64>, _>("overdue_n")
                        .map_err(map_err)?
                        .unwrap_or(0);
                    let due = from_micros(r.try_get("term_due_at").map_err(map_err)?);
                    if due < overdue_before && out.first_overdue.len() < limit as usize {
                        out.first_overdue.push((card_row(r).map_err(map_err)?, due));
                    }
                }
                Ok(out)
            }

            async fn search_cards(
                &self,
                scope: CardScope,
                query: &otinish_domain::search::SearchQuery,
                page: PageRequest,
            ) -> StoreResult<(Vec<Card>, bool)> {
                let executor = if scope.executor_id.is_some() { "AND c.executor_id = $3" } else { "AND $3 IS NULL" };
                let rows = sqlx::query(&format!(
                    "SELECT c.*, b.code AS body_code FROM {} AND c.body_id = $2 {executor} \
                     ORDER BY {} LIMIT $4 OFFSET $5",
                    Self::SEARCH_FROM,
                    Self::SEARCH_ORDER
                ))
                .bind(Self::search_expression(query.terms()))
                .bind(scope.body_id)
                .bind(scope.executor_id)
                .bind(i64::from(page.limit) + 1)
                .bind(i64::from(page.offset))
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                let mut items: Vec<Card> = rows.iter().map(card_row).collect::<Result<_, _>>().map_err(map_err)?;
                let more = items.len() > page.limit as usize;
                items.truncate(page.limit as usize);
                Ok((items, more))
            }

            async fn import_cards(&self, cards: &[ImportCard], journal: JournalDraft) -> StoreResult<Vec<i64>> {
                if cards.is_empty() {
                    return Ok(Vec::new());
                }
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let ids = Self::reserve_card_ids(&mut tx, cards.len()).await.map_err(map_err)?;
                // Registration numbers: each body and year takes a run of numbers after its last.
                let mut runs: std::collections::BTreeMap<(i64, i32), i64> = std::collections::BTreeMap::new();
                for c in cards {
                    if let (Some(y), Some(_)) = (c.reg_year, c.registered_at) {
                        *runs.entry((c.body_id, y)).or_default() += 1;
                    }
                }
                let mut next_seq: std::collections::BTreeMap<(i64, i32), i64> = std::collections::BTreeMap::new();
                for ((body_id, year), n) in runs {
                    let last: i64 = sqlx::query(
                        "INSERT INTO reg_counter (body_id, year, last_seq) VALUES ($1, $2, $3) \
                         ON CONFLICT (body_id, year) DO UPDATE SET last_seq = reg_counter.last_seq + $3 RETURNING last_seq",
                    )
                    .bind(body_id)
                    .bind(i64::from(year))
                    .bind(n)
                    .fetch_one(&mut *tx)
                    .await
                    .and_then(|r| r.try_get("last_seq"))
                    .map_err(map_err)?;
                    next_seq.insert((body_id, year), last - n + 1);
                }
                let mut numbered = Vec::with_capacity(cards.len());
                for c in cards {
                    let seq = match (c.reg_year, c.registered_at) {
                        (Some(y), Some(_)) => {
                            let next = next_seq.get_mut(&(c.body_id, y)).expect("every numbered year has a run");
                            *next += 1;
                            Some((y, *next - 1))
                        }
                        _ => None,
                    };
                    numbered.push(seq);
                }
                let rows: Vec<(i64, &ImportCard, Option<(i32, i64)>)> =
                    ids.iter().copied().zip(cards.iter()).zip(numbered).map(|((id, c), n)| (id, c, n)).collect();
                for chunk in rows.chunks(500) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO card (id, body_id, channel, kind, state, applicant_id, summary, received_at, \
                         registered_at, reg_year, reg_seq, executor_id, rulebook_id, decision, closed_at, archived_at, collective) ",
                    );
                    q.push_values(chunk, |mut b, (id, c, n)| {
                        b.push_bind(*id)
                            .push_bind(c.body_id)
                            .push_bind(c.channel.as_str())
                            .push_bind(c.kind.as_str())
                            .push_bind(c.state.as_str())
                            .push_bind(c.applicant_id)
                            .push_bind(c.summary.clone())
                            .push_bind(micros(c.received_at))
                            .push_bind(c.registered_at.map(micros))
                            .push_bind(n.map(|(y, _)| i64::from(y)))
                            .push_bind(n.map(|(_, s)| s))
                            .push_bind(c.executor_id)
                            .push_bind(c.rulebook_id.clone())
                            .push_bind(c.decision.clone())
                            .push_bind(c.closed_at.map(micros))
                            .push_bind(c.archived_at.map(micros))
                            .push_bind(c.collective);
                    });
                    q.build().execute(&mut *tx).await.map_err(map_err)?;
                }
                let deadlines: Vec<(i64, &StoredDeadline)> =
                    rows.iter().flat_map(|(id, c, _)| c.deadlines.iter().map(move |d| (*id, d))).collect();
                for chunk in deadlines.chunks(1000) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO card_deadline (card_id, key, rule, rulebook, due_at, due_on, paused, explanation) ",
                    );
                    q.push_values(chunk, |mut b, (id, d)| {
                        b.push_bind(*id)
                            .push_bind(d.key.clone())
                            .push_bind(d.rule.clone())
                            .push_bind(d.rulebook.clone())
                            .push_bind(micros(d.due_at))
                            .push_bind(d.due_on.format("%Y-%m-%d").to_string())
                            .push_bind(d.paused)
                            .push_bind(d.explanation.clone());
                    });
                    q.build().execute(&mut *tx).await.map_err(map_err)?;
                }
                let mut j = journal;
                j.subject = format!("cards:{}-{}", ids[0], ids[ids.len() - 1]);
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(ids)
            }
        }
    };
}
