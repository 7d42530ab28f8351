//! [`DeploymentRepo`](otinish_domain::repo::DeploymentRepo) for both backends, expanded next to
//! [`impl_repos!`] so that it shares its helpers (rows, transactions, the journal).

macro_rules! impl_deployment_repo {
    ($store:ty, $db:ty) => {
        #[async_trait]
        impl DeploymentRepo for $store {
            async fn deployment(&self) -> StoreResult<Option<Deployment>> {
                let row = sqlx::query("SELECT * FROM deployment WHERE id = 1")
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.map(|r| -> Result<Deployment, sqlx::Error> {
                    Ok(Deployment {
                        name: names(&r, "name")?,
                        bin: r.try_get("bin")?,
                        demo: r.try_get("demo")?,
                        created_at: from_micros(r.try_get("created_at")?),
                    })
                })
                .transpose()
                .map_err(map_err)
            }

            async fn init_deployment(
                &self,
                d: &Deployment,
                admin: &NewStaff,
                admin_iin: &otinish_domain::ids::Iin,
                journal: JournalDraft,
            ) -> StoreResult<StaffUser> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let held: i64 = sqlx::query(
                    "SELECT (SELECT COUNT(*) FROM deployment) + (SELECT COUNT(*) FROM staff) \
                     + (SELECT COUNT(*) FROM body) AS n",
                )
                .fetch_one(&mut *tx)
                .await
                .and_then(|r| r.try_get("n"))
                .map_err(map_err)?;
                if held > 0 {
                    return Err(StoreError::Conflict("the database is not empty".into()));
                }
                sqlx::query(
                    "INSERT INTO deployment (id, name_kk, name_ru, name_en, bin, demo, created_at) \
                     VALUES (1, $1, $2, $3, $4, $5, $6)",
                )
                .bind(&d.name.kk)
                .bind(&d.name.ru)
                .bind(&d.name.en)
                .bind(&d.bin)
                .bind(d.demo)
                .bind(micros(d.created_at))
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                let user = Self::insert_staff(&mut tx, admin, Some(admin_iin.as_str())).await?;
                let mut j = journal.clone();
                j.subject = "deployment".into();
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                let mut j = journal;
                j.subject = format!("staff:{}", user.id);
                j.action = "create_staff".into();
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(user)
            }

            async fn mark_demo(&self, d: &Deployment, journal: JournalDraft) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let done = sqlx::query(
                    "INSERT INTO deployment (id, name_kk, name_ru, name_en, bin, demo, created_at) \
                     VALUES (1, $1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
                )
                .bind(&d.name.kk)
                .bind(&d.name.ru)
                .bind(&d.name.en)
                .bind(&d.bin)
                .bind(true)
                .bind(micros(d.created_at))
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                if done.rows_affected() > 0 {
                    let mut j = journal;
                    j.subject = "deployment".into();
                    Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                }
                self.commit(tx).await
            }
        }
    };
}
