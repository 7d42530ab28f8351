//! [`TallyRepo`](otinish_domain::repo::TallyRepo) for both backends, expanded next to
//! [`impl_repos!`] so that it shares its helpers. The tally itself is kept by the database's
//! triggers (migration 0030); this reads it and counts it afresh when the zone changes.

macro_rules! impl_tally_repo {
    ($store:ty, $db:ty) => {
        /// The tally's key columns, in the order of its primary key.
        const TALLY_KEY: &str = "body_id, year, kind, channel, applicant, state, decision, \
             collective, repeated, redirected_to, term, open_due";

        /// `YYYY-MM` of the first day of a month.
        fn tally_month(d: chrono::NaiveDate) -> String {
            d.format("%Y-%m").to_string()
        }

        #[async_trait]
        impl TallyRepo for $store {
            async fn sync_tally_zone(&self, offsets: &[(DateTime<Utc>, i32)]) -> StoreResult<bool> {
                let stored: Vec<(i64, i32)> = sqlx::query_as("SELECT since, offset_s FROM tally_zone ORDER BY since")
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                let given: Vec<(i64, i32)> = offsets.iter().map(|(at, o)| (micros(*at), *o)).collect();
                if stored == given {
                    return Ok(false);
                }
                let mut tx = self.begin_write().await.map_err(map_err)?;
                sqlx::query("DELETE FROM tally_zone").execute(&mut *tx).await.map_err(map_err)?;
                for (since, offset) in &given {
                    sqlx::query("INSERT INTO tally_zone (since, offset_s) VALUES ($1, $2)")
                        .bind(since)
                        .bind(offset)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                }
                let month = Self::TALLY_MONTH.replace("{at}", "c.received_at");
                for sql in [
                    "DELETE FROM card_tally".to_owned(),
                    "DELETE FROM card_month".to_owned(),
                    format!(
                        "INSERT INTO card_month (body_id, month, n) \
                         SELECT c.body_id, {month}, COUNT(*) FROM card c GROUP BY 1, 2"
                    ),
                    format!(
                        "INSERT INTO card_tally ({TALLY_KEY}, n) \
                         SELECT c.body_id, substr({month}, 1, 4), c.kind, c.channel, COALESCE(a.kind, 'individual'), \
                         c.state, COALESCE(c.decision, ''), c.collective, \
                         CASE WHEN c.main_card_id IS NULL THEN 0 ELSE 1 END, COALESCE(c.redirected_to_body_id, 0), \
                         CASE WHEN d.due_at IS NULL THEN 0 WHEN c.closed_at IS NULL THEN 3 \
                              WHEN c.closed_at <= d.due_at THEN 1 ELSE 2 END, \
                         CASE WHEN d.due_at IS NOT NULL AND c.closed_at IS NULL THEN d.due_at ELSE 0 END, \
                         COUNT(*) \
                         FROM card c LEFT JOIN card_deadline d ON d.card_id = c.id AND d.key = 'answer' \
                         LEFT JOIN applicant a ON a.id = c.applicant_id \
                         GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12"
                    ),
                ] {
                    sqlx::query(&sql).execute(&mut *tx).await.map_err(map_err)?;
                }
                self.commit(tx).await?;
                Ok(true)
            }

            async fn tally_groups(
                &self,
                body_ids: &[i64],
                year: i32,
                now: DateTime<Utc>,
                cut: otinish_domain::report::TallyCut,
            ) -> StoreResult<Vec<otinish_domain::report::ReportGroup>> {
                use otinish_domain::report::TallyCut;
                if body_ids.is_empty() {
                    return Ok(Vec::new());
                }
                // Ids are numbers, written into the statement as such.
                let ids = $crate::shared::id_list(body_ids);
                let term = "CASE WHEN term = 3 THEN CASE WHEN $2 <= open_due THEN 1 ELSE 2 END ELSE term END";
                // Each column kept, or the first value of its kind when the cut merges over it
                // (a constant: the rows it would have told apart are summed).
                let (origins, outcomes) = match cut {
                    TallyCut::Full => (true, true),
                    TallyCut::Outcomes => (false, true),
                    TallyCut::Origins => (true, false),
                };
                let kind0 = format!("'{}'", AppealKind::ALL[0].as_str());
                let channel0 = format!("'{}'", Channel::ALL[0].as_str());
                let state0 = format!("'{}'", CardState::ALL[0].as_str());
                let columns: [(&str, &str, bool); 8] = [
                    ("kind", &kind0, origins),
                    ("channel", &channel0, origins),
                    ("applicant", "'individual'", cut == TallyCut::Full),
                    ("collective", "FALSE", cut == TallyCut::Full),
                    ("state", &state0, outcomes),
                    ("decision", "''", outcomes),
                    ("repeated", "0", outcomes),
                    (term, "0", outcomes),
                ];
                let mut select = vec!["body_id".to_owned(), "redirected_to".to_owned()];
                let mut group = select.clone();
                for (name, merged, kept) in columns {
                    let alias = if name == term { "term" } else { name };
                    if kept {
                        select.push(format!("{name} AS {alias}"));
                        group.push(name.to_owned());
                    } else {
                        select.push(format!("{merged} AS {alias}"));
                    }
                }
                let rows = sqlx::query(&format!(
                    "SELECT {}, CAST(SUM(n) AS BIGINT) AS n FROM card_tally \
                     WHERE body_id IN ({ids}) AND year = $1 AND n <> 0 GROUP BY {}",
                    select.join(", "),
                    group.join(", ")
                ))
                .bind(format!("{year:04}"))
                .bind(micros(now))
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter()
                    .map(report_group_row)
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(map_err)
            }

            async fn tally_months(
                &self,
                body_ids: &[i64],
                from: chrono::NaiveDate,
                to: chrono::NaiveDate,
            ) -> StoreResult<Vec<(chrono::NaiveDate, i64)>> {
                let mut months = Vec::new();
                let mut m = from;
                while m < to {
                    months.push(m);
                    m = match m.checked_add_months(chrono::Months::new(1)) {
                        Some(next) => next,
                        None => break,
                    };
                }
                if body_ids.is_empty() {
                    return Ok(months.into_iter().map(|m| (m, 0)).collect());
                }
                let ids = $crate::shared::id_list(body_ids);
                let rows: Vec<(String, i64)> = sqlx::query_as(&format!(
                    "SELECT month, CAST(SUM(n) AS BIGINT) FROM card_month \
                     WHERE body_id IN ({ids}) AND month >= $1 AND month < $2 GROUP BY month"
                ))
                .bind(tally_month(from))
                .bind(tally_month(to))
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                Ok(months
                    .into_iter()
                    .map(|m| {
                        let key = tally_month(m);
                        (m, rows.iter().find(|r| r.0 == key).map_or(0, |r| r.1))
                    })
                    .collect())
            }
        }
    };
}
