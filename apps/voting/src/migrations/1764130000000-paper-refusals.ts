import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationSchema } from '@plaza/event-store';

/** Paper batches count the sheets set aside as refused (PaperSheetRefused), so a batch can reconcile with them. */
export class PaperRefusals1764130000000 implements MigrationInterface {
  name = 'PaperRefusals1764130000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`ALTER TABLE ${s}.paper_batches ADD COLUMN refused integer NOT NULL DEFAULT 0`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`ALTER TABLE ${s}.paper_batches DROP COLUMN refused`);
  }
}
