import 'reflect-metadata';
import { runServiceProcess } from '@plaza/nest-runtime';
import { votingService } from './service';

runServiceProcess(() => votingService());
