import { PageTitle } from '../../ui/PageTitle';

// Placeholder until this page is built (issue #6).
export default function HomePage() {
  return <PageTitle>HomePage</PageTitle>;
}
