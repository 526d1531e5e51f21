import { lazy, Suspense } from 'react';
import { createBrowserRouter, RouterProvider, Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { Layout } from './ui/Layout';
import { Loading } from './ui/async';
import { PageTitle } from './ui/PageTitle';

// One chunk per area, loaded when first visited (a resident on a phone never downloads the admin pages).
const HomePage = lazy(() => import('./pages/resident/HomePage'));
const RoundPage = lazy(() => import('./pages/resident/RoundPage'));
const ProposalsPage = lazy(() => import('./pages/resident/ProposalsPage'));
const ProposalPage = lazy(() => import('./pages/resident/ProposalPage'));
const ProposalFormPage = lazy(() => import('./pages/resident/ProposalFormPage'));
const SignInPage = lazy(() => import('./pages/vote/SignInPage'));
const SignInCallbackPage = lazy(() => import('./pages/vote/SignInPage').then((m) => ({ default: m.SignInCallbackPage })));
const SignedOutPage = lazy(() => import('./pages/vote/SignInPage').then((m) => ({ default: m.SignedOutPage })));
const VotePage = lazy(() => import('./pages/vote/VotePage'));
const MyBallotPage = lazy(() => import('./pages/vote/MyBallotPage'));
const ReceiptCheckPage = lazy(() => import('./pages/vote/ReceiptCheckPage'));
const ResultsPage = lazy(() => import('./pages/results/ResultsPage'));
const AuditPage = lazy(() => import('./pages/audit/AuditPage'));
const RoundAuditPage = lazy(() => import('./pages/audit/RoundAuditPage'));
const AdminHomePage = lazy(() => import('./pages/admin/AdminHomePage'));
const RoundFormPage = lazy(() => import('./pages/admin/RoundFormPage'));
const RoundAdminPage = lazy(() => import('./pages/admin/RoundAdminPage'));
const ReviewQueuePage = lazy(() => import('./pages/admin/ReviewQueuePage'));
const VotersPage = lazy(() => import('./pages/admin/VotersPage'));
const PaperPage = lazy(() => import('./pages/admin/PaperPage'));
const NotificationsPage = lazy(() => import('./pages/notifications/NotificationsPage'));
const ModerationPage = lazy(() => import('./pages/admin/ModerationPage'));

function NotFound() {
  const { t } = useTranslation();
  return (
    <>
      <PageTitle>{t('common.notFound.title')}</PageTitle>
      <p>{t('common.notFound.body')}</p>
      <p>
        <Link to="/">{t('common.notFound.home')}</Link>
      </p>
    </>
  );
}

const page = (element: React.ReactNode) => <Suspense fallback={<Loading />}>{element}</Suspense>;

export const router = createBrowserRouter([
  {
    element: <Layout />,
    children: [
      { path: '/', element: page(<HomePage />) },
      { path: '/signin', element: page(<SignInPage />) },
      { path: '/signin/callback', element: page(<SignInCallbackPage />) },
      { path: '/signin/signed-out', element: page(<SignedOutPage />) },
      { path: '/receipts', element: page(<ReceiptCheckPage />) },
      { path: '/rounds/:roundId', element: page(<RoundPage />) },
      { path: '/rounds/:roundId/proposals', element: page(<ProposalsPage />) },
      { path: '/rounds/:roundId/proposals/new', element: page(<ProposalFormPage />) },
      { path: '/rounds/:roundId/proposals/:proposalId', element: page(<ProposalPage />) },
      { path: '/rounds/:roundId/proposals/:proposalId/edit', element: page(<ProposalFormPage />) },
      { path: '/rounds/:roundId/vote', element: page(<VotePage />) },
      { path: '/rounds/:roundId/ballot', element: page(<MyBallotPage />) },
      { path: '/rounds/:roundId/results', element: page(<ResultsPage />) },
      { path: '/rounds/:roundId/audit', element: page(<RoundAuditPage />) },
      { path: '/audit', element: page(<AuditPage />) },
      { path: '/notifications', element: page(<NotificationsPage />) },
      { path: '/admin', element: page(<AdminHomePage />) },
      { path: '/admin/moderation', element: page(<ModerationPage />) },
      { path: '/admin/rounds/new', element: page(<RoundFormPage />) },
      { path: '/admin/rounds/:roundId', element: page(<RoundAdminPage />) },
      { path: '/admin/rounds/:roundId/edit', element: page(<RoundFormPage />) },
      { path: '/admin/rounds/:roundId/review', element: page(<ReviewQueuePage />) },
      { path: '/admin/rounds/:roundId/voters', element: page(<VotersPage />) },
      { path: '/admin/rounds/:roundId/paper', element: page(<PaperPage />) },
      { path: '*', element: <NotFound /> },
    ],
  },
]);

export function App() {
  return <RouterProvider router={router} />;
}
