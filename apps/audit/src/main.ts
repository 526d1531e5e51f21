import 'reflect-metadata';
import { runServiceProcess } from '@plaza/nest-runtime';
import { auditService } from './service';

runServiceProcess(() => auditService());
