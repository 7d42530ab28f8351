//! [`BranchRepo`](otinish_domain::repo::BranchRepo) for both backends, expanded next to
//! [`impl_repos!`] so that it shares its helpers (rows, transactions, the journal).

macro_rules! impl_branch_repo {
    ($store:ty, $db:ty) => {
        #[async_trait]
        impl BranchRepo for $store {
            async fn create_branch(&self, b: &NewBranch) -> StoreResult<Branch> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let branch = Self::insert_branch(&mut tx, b).await?;
                self.commit(tx).await?;
                Ok(branch)
            }

            async fn add_branch(&self, b: &NewBranch, journal: JournalDraft) -> StoreResult<Branch> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let branch = Self::insert_branch(&mut tx, b).await?;
                let mut j = journal;
                j.subject = format!("branch:{}", branch.id);
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(branch)
            }

            async fn import_branches(&self, items: &[(NewBranch, JournalDraft)]) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                for (b, journal) in items {
                    let branch = Self::insert_branch(&mut tx, b).await?;
                    let mut j = journal.clone();
                    j.subject = format!("branch:{}", branch.id);
                    Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                }
                self.commit(tx).await
            }

            async fn update_branch(&self, id: i64, b: &NewBranch, journal: JournalDraft) -> StoreResult<Branch> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let row = sqlx::query(
                    "UPDATE branch SET name_kk = $1, name_ru = $2, name_en = $3, region_kk = $4, region_ru = $5, \
                     region_en = $6, address_kk = $7, address_ru = $8, address_en = $9, vks_equipment = $10, \
                     booths = $11, phone = $12 WHERE id = $13 RETURNING *",
                )
                .bind(&b.name.kk)
                .bind(&b.name.ru)
                .bind(&b.name.en)
                .bind(&b.region.kk)
                .bind(&b.region.ru)
                .bind(&b.region.en)
                .bind(&b.address.kk)
                .bind(&b.address.ru)
                .bind(&b.address.en)
                .bind(b.vks_equipment)
                .bind(i64::from(b.booths))
                .bind(&b.phone)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?
                .ok_or_else(|| StoreError::NotFound(format!("branch {id}")))?;
                let branch = branch_row(&row).map_err(map_err)?;
                let mut j = journal;
                j.subject = format!("branch:{id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(branch)
            }

            async fn branches(&self, page: PageRequest) -> StoreResult<Page<Branch>> {
                self.paged("branch", "TRUE", "region_ru, name_ru, id", page, branch_row).await
            }

            async fn open_branches(&self, page: PageRequest) -> StoreResult<Page<Branch>> {
                self.paged("branch", "closed_at IS NULL", "region_ru, name_ru, id", page, branch_row).await
            }

            async fn set_branch_closed(&self, branch_id: i64, at: Option<DateTime<Utc>>, journal: JournalDraft) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                set_closed_in(&mut tx, "branch", "branch_id", branch_id, at).await?;
                let mut j = journal;
                j.subject = format!("branch:{branch_id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await
            }

            async fn live_bookings_at_branch(&self, branch_id: i64) -> StoreResult<i64> {
                sqlx::query(
                    "SELECT COUNT(*) AS n FROM vks_booking WHERE branch_id = $1 AND NOT cancelled \
                     AND state IN ('requested', 'appointed', 'checked_in')",
                )
                .bind(branch_id)
                .fetch_one(self.reader())
                .await
                .and_then(|r| r.try_get("n"))
                .map_err(map_err)
            }
        }
    };
}
