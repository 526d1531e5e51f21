import 'reflect-metadata';
import { runServiceProcess } from '@plaza/nest-runtime';
import { proposalsService } from './service';

runServiceProcess(() => proposalsService());
